/**
 * The headset driver contract. Every driver (simulated, Cyton, ThinkGear, line protocol) implements
 * this one lifecycle and passes the same contract suite:
 *
 *   disconnected ──connect()──► connecting ──(samples)──► streaming ──(port lost)──► reconnecting ──► streaming
 *        ▲                            │                   ▲   │ (silence)
 *        │                            └──(silence)──► no_data ◄┘
 *        └──────────────────────────── disconnect() (from any state)
 *
 * connect() and disconnect() are idempotent. Nothing throws out of a driver once connected: bad bytes,
 * gaps and unplugging become counters and `event`s.
 */
import type { EventEmitter } from 'node:events'
import type { HeadsetDescriptor } from '../../shared/headsets'
import type { ChannelQuality, DeviceState } from '../../shared/schemas/devices'
import type { ImpedanceMeasurement, ImpedanceThresholds, LeadOffPins } from './impedance/impedance'

export type { ChannelQuality, DeviceState } from '../../shared/schemas/devices'

/** Facts about the connected headset: its row in `shared/headsets.ts`, as the driver updated it. */
export type { HeadsetDescriptor }

/**
 * Consecutive samples: sample i has sequence `firstSeq + i` and values
 * `samplesUv[i * channelCount + c]` (interleaved, µV). Sequences are unwrapped (never reset within a
 * connection), so a jump between blocks is a gap of dropped samples.
 */
export interface SampleBlock {
  firstSeq: number
  channelCount: number
  /** UTC epoch ms of each sample (length = sample count). */
  timestampsMs: Float64Array
  samplesUv: Float32Array
}

export function sampleCount(block: SampleBlock): number {
  return block.timestampsMs.length
}

export interface DriverStats {
  samplesReceived: number
  samplesDropped: number
  gaps: number
  /** Bytes or packets skipped as garbage, truncated or failing a checksum. */
  parseErrors: number
  reconnects: number
}

export interface DeviceStatus {
  state: DeviceState
  descriptor: HeadsetDescriptor | null
  stats: DriverStats
  /** Per channel, in descriptor order; updated about once a second. */
  quality: ChannelQuality[]
  /** Human-readable reason for the last state change (e.g. the port error). */
  detail?: string
}

export interface DeviceEvent {
  /**
   * `metrics`: values the headset computes itself (ThinkGear poor signal, attention, band powers).
   * `clock`: how far the wall clock has moved from the connection's monotonic anchor (NTP slews it).
   * `no_data` / `data_resumed`: one pair per silent episode of an open port (board off, out of range).
   * `layout`: the line protocol saw a header that differs from the layout in use (`applied` says
   * whether the stream switched to it).
   */
  kind:
    | 'connected'
    | 'disconnected'
    | 'reconnecting'
    | 'reconnected'
    | 'no_data'
    | 'data_resumed'
    | 'gap'
    | 'parse_errors'
    | 'quality'
    | 'metrics'
    | 'clock'
    | 'layout'
    | 'impedance'
    | 'impedance_override'
    /** A session's montage edit (sessions/montage.repository.ts); stored rows only, never emitted by a driver. */
    | 'montage'
  tMs: number
  data: Record<string, unknown>
}

export interface HeadsetDriverEvents {
  samples: [block: SampleBlock]
  state: [state: DeviceState, detail?: string]
  event: [event: DeviceEvent]
}

export interface ImpedanceCheckOptions {
  thresholds?: ImpedanceThresholds
  /** Default 'n' (referential montage with SRB2); 'both' checks P and N of every channel. */
  pins?: LeadOffPins
  /** Samples ignored after switching a channel's current on (default 0.25 s of samples). */
  settleSamples?: number
  /** Samples measured per channel and pin (default 1 s of samples). */
  measureSamples?: number
}

export interface HeadsetDriver extends EventEmitter<HeadsetDriverEvents> {
  readonly descriptor: HeadsetDescriptor
  readonly state: DeviceState
  connect(): Promise<void>
  disconnect(): Promise<void>
  stats(): DriverStats
  /** Only headsets that can measure it (Cyton, Cyton + Daisy, simulated). */
  measureImpedance?(options?: ImpedanceCheckOptions): Promise<ImpedanceMeasurement>
}

export function emptyStats(): DriverStats {
  return { samplesReceived: 0, samplesDropped: 0, gaps: 0, parseErrors: 0, reconnects: 0 }
}
