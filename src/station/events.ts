/**
 * The station's internal event map: `name → payload`. Producers (devices, ingest, sessions, fatigue,
 * sync) emit here; the WebSocket hub, storage and the fatigue engine listen. Events are facts only: a
 * request to do something is a direct call to the owning service. Adding an event is a compile-checked
 * change on both sides.
 */
import { EventEmitter } from 'node:events'
import type { Alert, FatigueMetrics } from '../shared/schemas/fatigue'
import type { SessionStatus } from '../shared/schemas/sessions'
import type { SyncStatus } from '../shared/schemas/sync'
import type { Role } from './auth/types'
import type { DeviceEvent, DeviceStatus, SampleBlock } from './devices/types'
import type { Marker } from './sessions/sessions.repository'

/** A timestamped face or game event as stored (`kind` + free-form `data`, validated upstream). */
export interface TimedEvent {
  tMs: number
  kind: string
  data: Record<string, unknown>
  /** The producer's own id for the event (re-sends carry the same id); absent from older clients. */
  id?: string
}

export interface StationEvents {
  /** A block of EEG samples from the station's headset (not yet bound to a session). */
  'device.samples': [block: SampleBlock]
  'device.statusChanged': [status: DeviceStatus]
  /** Gaps, reconnects, parse-error bursts, quality changes. */
  'device.event': [event: DeviceEvent]
  /**
   * EEG accepted for a session, from the headset or a WebSocket producer: the one path to fatigue and
   * fan-out. `origin` is the producing WebSocket connection's id (absent for the headset), so the
   * hub does not echo a producer's own data back to it.
   */
  'session.eeg': [sessionId: string, block: SampleBlock, origin?: string]
  'session.face': [sessionId: string, event: TimedEvent, origin?: string]
  'session.game': [sessionId: string, event: TimedEvent, origin?: string]
  'session.marker': [marker: Marker, origin?: string]
  /** Fatigue engine output for a session (about 1 Hz), as stored; the hub broadcasts it as `fatigue.update`. */
  'fatigue.update': [sessionId: string, metrics: FatigueMetrics]
  /** An alert stored by the fatigue engine; broadcast on the session and monitor streams. */
  'alert.raised': [alert: Alert]
  /** An acknowledgement was stored (the alert as it now is); broadcast as `alert.acknowledged`. */
  'alert.acknowledged': [alert: Alert]
  'sync.statusChanged': [status: SyncStatus]
  /** A session was created, changed status or was deleted (payload: the session id and new status). */
  'session.changed': [sessionId: string, status: SessionStatus | null]
  /**
   * A user's tokens were all revoked (password change, deactivation) or their role changed: open
   * WebSockets, which checked the token only when they opened, must follow at once.
   */
  'user.changed': [change: { userId: string; role: Role; isRevoked: boolean }]
}

export type StationEventName = keyof StationEvents

/** Handlers by event name: a part that listens to several events subscribes them together. */
export type BusListeners = { [K in keyof StationEvents]?: (...args: StationEvents[K]) => void }

export class StationEventBus extends EventEmitter<StationEvents> {
  constructor() {
    super({ captureRejections: true })
    // Many WebSocket clients and engines subscribe; the default limit of 10 is a false alarm here.
    this.setMaxListeners(0)
  }

  /** Subscribes every handler of `listeners`; the returned function unsubscribes the same ones. */
  subscribe(listeners: BusListeners): () => void {
    const entries = Object.entries(listeners) as [keyof StationEvents, never][]
    for (const [name, fn] of entries) this.on(name, fn)
    return () => {
      for (const [name, fn] of entries) this.off(name, fn)
    }
  }
}
