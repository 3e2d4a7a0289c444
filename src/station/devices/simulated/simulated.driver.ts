/**
 * The simulated headset: the reference driver. Streams `createSimulatedEeg` in real time, in blocks of
 * about 40 ms, with timestamps derived from the sample index (never from timer jitter). Its pace is the
 * injected clock's, so a test with a manual clock decides exactly how many samples exist.
 */
import { EventEmitter } from 'node:events'
import type { SimulatedHeadsetConfig } from '../../config'
import { systemClock, type Clock, type ClockTimer } from '../../clock'
import { emptyStats, type DeviceState, type DriverStats, type HeadsetDescriptor, type HeadsetDriver, type HeadsetDriverEvents, type ImpedanceCheckOptions } from '../types'
import { VigilError } from '../../../shared/errors'
import { createRandom } from '../../../shared/random'
import { DEFAULT_IMPEDANCE_THRESHOLDS, rateImpedance, summarise, type ImpedanceMeasurement } from '../impedance/impedance'
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

  /**
   * Seeded electrode impedances (2-9 kΩ, good wet electrodes, the same for a seed every time), with `badElectrode` off
   * the skin (≈ 250 kΩ), so tests and demos exercise the pre-recording check without hardware.
   */
  async measureImpedance(options: ImpedanceCheckOptions = {}): Promise<ImpedanceMeasurement> {
    if (this.currentState !== 'streaming') throw new VigilError('DEVICE_NOT_CONNECTED', `The headset is ${this.currentState}, not streaming: no impedance check now`)
    const thresholds = options.thresholds ?? DEFAULT_IMPEDANCE_THRESHOLDS
    const random = createRandom(this.config.seed + 1009)
    const pins: Array<'n' | 'p'> = options.pins === 'both' ? ['n', 'p'] : [options.pins ?? 'n']
    const electrodes = this.descriptor.channelNames.flatMap((label, channel) => {
      const base = channel === this.config.badElectrode ? 250 : 2 + random() * 7
      return pins.map((pin) => {
        const impedanceKohm = Math.round(base * 10) / 10
        return { channel, label, pin, impedanceKohm, rating: rateImpedance(impedanceKohm, thresholds) }
      })
    })
    return summarise(electrodes, thresholds, this.clock.wallMs(), 'simulated')
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
