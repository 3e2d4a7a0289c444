/**
 * The simulated headset: the reference driver. Streams `createSimulatedEeg` in real time, in blocks of
 * about 40 ms, with timestamps derived from the sample index (never from timer jitter). Its pace is the
 * injected clock's, so a test with a manual clock decides exactly how many samples exist.
 */
import { EventEmitter } from 'node:events'
import type { SimulatedHeadsetConfig } from '../../config'
import { systemClock, type Clock, type ClockTimer } from '../../clock'
import { emptyStats, type DeviceState, type DriverStats, type HeadsetDescriptor, type HeadsetDriver, type HeadsetDriverEvents } from '../types'
import { createSimulatedEeg, type SimulatedEeg } from './simulated-eeg'

const BLOCK_INTERVAL_MS = 40

export class SimulatedHeadsetDriver extends EventEmitter<HeadsetDriverEvents> implements HeadsetDriver {
  readonly descriptor: HeadsetDescriptor
  private currentState: DeviceState = 'disconnected'
  private timer: ClockTimer | null = null
  private counters: DriverStats = emptyStats()
  private signal: SimulatedEeg
  private startMonotonicMs = 0
  private startWallMs = 0
  private emitted = 0

  constructor(
    private readonly config: SimulatedHeadsetConfig,
    private readonly clock: Clock = systemClock
  ) {
    super()
    this.signal = createSimulatedEeg(config)
    this.descriptor = {
      kind: 'simulated',
      model: `Simulated ${config.channelCount}-channel EEG`,
      channelNames: this.signal.channelNames,
      sampleRateHz: config.sampleRateHz,
      fullScaleUv: 187_500
    }
  }

  get state(): DeviceState {
    return this.currentState
  }

  stats(): DriverStats {
    return { ...this.counters }
  }

  async connect(): Promise<void> {
    if (this.currentState !== 'disconnected') return
    this.setState('connecting')
    this.startMonotonicMs = this.clock.monotonicMs()
    this.startWallMs = this.clock.wallMs()
    this.emitted = 0
    this.setState('streaming')
    this.timer = this.clock.setInterval(() => this.pump(), BLOCK_INTERVAL_MS)
    this.emit('event', { kind: 'connected', tMs: this.startWallMs, data: { model: this.descriptor.model } })
  }

  async disconnect(): Promise<void> {
    if (this.currentState === 'disconnected') return
    this.timer?.cancel()
    this.timer = null
    this.pump()
    this.setState('disconnected')
    this.emit('event', { kind: 'disconnected', tMs: this.clock.wallMs(), data: {} })
  }

  /** Emits every sample that is due by now (catches up after a late timer). */
  private pump(): void {
    const rate = this.config.sampleRateHz
    const due = Math.floor(((this.clock.monotonicMs() - this.startMonotonicMs) * rate) / 1000)
    const count = due - this.emitted
    if (count <= 0) return
    const periodMs = 1000 / rate
    const timestampsMs = new Float64Array(count)
    for (let i = 0; i < count; i++) timestampsMs[i] = this.startWallMs + (this.emitted + i) * periodMs
    const block = { firstSeq: this.emitted, channelCount: this.config.channelCount, timestampsMs, samplesUv: this.signal.next(count) }
    this.emitted += count
    this.counters.samplesReceived += count
    this.emit('samples', block)
  }

  private setState(state: DeviceState, detail?: string): void {
    this.currentState = state
    this.emit('state', state, detail)
  }
}
