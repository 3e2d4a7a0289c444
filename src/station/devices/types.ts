/**
 * The headset driver contract. Every driver (simulated, Cyton, ThinkGear, line protocol) implements
 * this one lifecycle and passes the same contract suite:
 *
 *   disconnected ──connect()──► connecting ──► streaming ──(port lost)──► reconnecting ──► streaming
 *        ▲                                                                      │
 *        └──────────────────────────── disconnect() ◄──────────────────────────┘
 *
 * connect() and disconnect() are idempotent. Nothing throws out of a driver once connected: bad bytes,
 * gaps and unplugging become counters and `event`s.
 */
import type { EventEmitter } from 'node:events'
import type { ChannelQuality, DeviceState } from '../../shared/schemas/devices'
import type { DeviceKind } from '../config'

export type { ChannelQuality, DeviceState } from '../../shared/schemas/devices'

/** Facts about a headset model, as data. */
export interface HeadsetDescriptor {
  kind: DeviceKind
  model: string
  channelNames: string[]
  sampleRateHz: number
  /** Full-scale input range in µV (± this value), used to flag railed channels. */
  fullScaleUv: number
  /** Serial port path, when there is one. */
  port?: string
  /** Unit of the sample values (always µV once a driver has scaled them). */
  unit?: 'uV'
  /** Amplifier gain the µV scale assumes (Cyton: ×24 by default). */
  gain?: number
  baudRate?: number
}

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
   */
  kind: 'connected' | 'disconnected' | 'reconnecting' | 'reconnected' | 'gap' | 'parse_errors' | 'quality' | 'metrics' | 'clock'
  tMs: number
  data: Record<string, unknown>
}

export interface HeadsetDriverEvents {
  samples: [block: SampleBlock]
  state: [state: DeviceState, detail?: string]
  event: [event: DeviceEvent]
}

export interface HeadsetDriver extends EventEmitter<HeadsetDriverEvents> {
  readonly descriptor: HeadsetDescriptor
  readonly state: DeviceState
  connect(): Promise<void>
  disconnect(): Promise<void>
  stats(): DriverStats
}

export function emptyStats(): DriverStats {
  return { samplesReceived: 0, samplesDropped: 0, gaps: 0, parseErrors: 0, reconnects: 0 }
}

/** 10-20 system labels, in the order simulated and generic devices use them. */
export const STANDARD_CHANNEL_NAMES = [
  'Fp1', 'Fp2', 'C3', 'C4', 'P7', 'P8', 'O1', 'O2',
  'F7', 'F8', 'F3', 'F4', 'T7', 'T8', 'P3', 'P4',
  'Fz', 'Cz', 'Pz', 'Oz', 'FC1', 'FC2', 'CP1', 'CP2',
  'FC5', 'FC6', 'CP5', 'CP6', 'AF3', 'AF4', 'PO3', 'PO4'
] as const
