/**
 * The station's internal event map: `name → payload`. Producers (devices, ingest, sessions, fatigue,
 * sync) emit here; the WebSocket hub, storage and the fatigue engine listen. Adding an event is a
 * compile-checked change on both sides.
 */
import { EventEmitter } from 'node:events'
import type { DeviceEvent, DeviceStatus, SampleBlock } from './devices/types'

/** A timestamped face or game event as stored (`kind` + free-form `data`, validated upstream). */
export interface TimedEvent {
  tMs: number
  kind: string
  data: Record<string, unknown>
}

export interface StationEvents {
  /** A block of EEG samples from the station's headset (not yet bound to a session). */
  'device.samples': [block: SampleBlock]
  'device.statusChanged': [status: DeviceStatus]
  /** Gaps, reconnects, parse-error bursts, quality changes. */
  'device.event': [event: DeviceEvent]
  /** EEG accepted for a session, from the headset or a WebSocket producer: the one path to fatigue and fan-out. */
  'session.eeg': [sessionId: string, block: SampleBlock]
  'session.face': [sessionId: string, event: TimedEvent]
  'session.game': [sessionId: string, event: TimedEvent]
  /** A session was created, changed status or was deleted (payload: the session id and new status). */
  'session.changed': [sessionId: string, status: string | null]
}

export type StationEventName = keyof StationEvents

export class StationEventBus extends EventEmitter<StationEvents> {
  constructor() {
    super({ captureRejections: true })
    // Many WebSocket clients and engines subscribe; the default limit of 10 is a false alarm here.
    this.setMaxListeners(0)
  }
}
