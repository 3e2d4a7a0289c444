/**
 * The station's internal event map: `name → payload`. Producers (devices, storage, sessions, fatigue,
 * sync) emit here; the WebSocket hub, storage and the fatigue engine listen. Adding an event is a
 * compile-checked change on both sides.
 */
import { EventEmitter } from 'node:events'
import type { DeviceEvent, DeviceStatus, SampleBlock } from './devices/types'

export interface StationEvents {
  /** A block of EEG samples from the station's headset. */
  'device.samples': [block: SampleBlock]
  'device.statusChanged': [status: DeviceStatus]
  /** Gaps, reconnects, parse-error bursts, quality changes. */
  'device.event': [event: DeviceEvent]
}

export type StationEventName = keyof StationEvents

export class StationEventBus extends EventEmitter<StationEvents> {
  constructor() {
    super({ captureRejections: true })
    // Many WebSocket clients and engines subscribe; the default limit of 10 is a false alarm here.
    this.setMaxListeners(0)
  }
}
