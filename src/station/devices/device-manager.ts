/**
 * Owns the station's one headset: creates the driver for a spec, forwards its samples and events to
 * the station event bus, and keeps the status the API and the live stream report.
 *
 * The headset configured at start-up may not be plugged in yet (or another program holds its port).
 * `connectConfigured` then lets the station start anyway and keeps trying that port in the
 * background, 1 s after the failure and doubling up to every 10 s, until it opens, the operator
 * connects or disconnects a headset, or the station stops.
 */
import type { Clock } from '../clock'
import type { StationConfig } from '../config'
import type { StationEventBus } from '../events'
import type { Logger } from '../logger'
import { isVigilError, VigilError } from '../../shared/errors'
import type { ImpedanceMeasurement } from './impedance/impedance'
import { createQualityMonitor, type QualityMonitor } from './quality'
import { createDriver, type DeviceSpec } from './registry'
import { emptyStats, sampleCount, type ChannelQuality, type DeviceStatus, type HeadsetDriver, type ImpedanceCheckOptions, type SampleBlock } from './types'

/** First retry of an unavailable configured port; each failure doubles the delay up to the maximum. */
export const PORT_WAIT_INITIAL_DELAY_MS = 1000
/** Worst case between plugging the dongle in and streaming; opening a missing path costs next to nothing. */
export const PORT_WAIT_MAX_DELAY_MS = 10_000

/** The configured headset's port, being retried in the background. */
interface PortWait {
  spec: DeviceSpec
  timer: NodeJS.Timeout | null
  delayMs: number
  attempts: number
  sinceMonoMs: number
  reason: string
}

export class DeviceManager {
  private driver: HeadsetDriver | null = null
  private spec: DeviceSpec | null = null
  private lastDetail: string | undefined
  private quality: QualityMonitor | null = null
  private wait: PortWait | null = null

  constructor(
    private readonly config: StationConfig['device'],
    private readonly events: StationEventBus,
    private readonly clock: Clock,
    private readonly logger: Logger
  ) {}

  get current(): HeadsetDriver | null {
    return this.driver
  }

  get currentSpec(): DeviceSpec | null {
    return this.spec
  }

  /** Whether the configured headset's port is being retried in the background. */
  get isWaitingForPort(): boolean {
    return this.wait !== null
  }

  /** Failed opens of the configured port so far, the one at start-up included (0 when not waiting). */
  get portAttempts(): number {
    return this.wait?.attempts ?? 0
  }

  status(): DeviceStatus {
    const driver = this.driver
    return {
      state: driver?.state ?? 'disconnected',
      descriptor: driver?.descriptor ?? null,
      stats: driver?.stats() ?? emptyStats(),
      quality: driver ? this.currentQuality(driver) : [],
      detail: this.lastDetail
    }
  }

  /**
   * Connects the headset configured at start-up. A port that is missing or busy does not fail: the
   * status stays `disconnected` with the port and the error in `detail`, and the port is retried in
   * the background. Anything else (no driver for the kind, a path that is not a serial port) throws.
   */
  async connectConfigured(spec: DeviceSpec): Promise<DeviceStatus> {
    try {
      return await this.connect(spec)
    } catch (err) {
      if (!isPortUnavailable(err)) throw err
      const reason = err.message
      this.logger.warn(
        { device: spec.kind, port: spec.path, code: err.code, reason, retryMaxDelayMs: PORT_WAIT_MAX_DELAY_MS },
        `headset port ${spec.path ?? '(auto)'} unavailable (${reason}); starting without the headset and retrying in the background`
      )
      this.wait = { spec, timer: null, delayMs: PORT_WAIT_INITIAL_DELAY_MS, attempts: 1, sinceMonoMs: this.clock.monotonicMs(), reason }
      this.showWaiting(this.wait)
      this.scheduleAttempt(this.wait)
      return this.status()
    }
  }

  /** Connects the headset described by `spec`, replacing any connected one and ending any wait for a port. */
  async connect(spec: DeviceSpec): Promise<DeviceStatus> {
    this.stopWaiting()
    return this.open(spec, false)
  }

  /**
   * Runs the connected headset's impedance check with the configured thresholds (or the given ones).
   * DEVICE_NOT_CONNECTED without a headset, DEVICE_IMPEDANCE_UNSUPPORTED for ThinkGear and lines.
   */
  async checkImpedance(options: ImpedanceCheckOptions = {}): Promise<ImpedanceMeasurement> {
    const driver = this.driver
    if (!driver) throw new VigilError('DEVICE_NOT_CONNECTED', 'No headset is connected')
    if (!driver.measureImpedance) throw new VigilError('DEVICE_IMPEDANCE_UNSUPPORTED', `${driver.descriptor.model} cannot measure electrode impedance`)
    return driver.measureImpedance({ ...options, thresholds: options.thresholds ?? this.config.impedance })
  }

  async disconnect(): Promise<void> {
    // With an attempt in flight, closing its driver reports the change instead.
    if (this.stopWaiting() && !this.driver) this.events.emit('device.statusChanged', this.status())
    await this.closeCurrent()
  }

  /**
   * `isQuiet`: a background attempt, whose `connecting` and failed-open `disconnected` would only
   * make the status flicker every few seconds; its state is reported from `streaming` on.
   */
  private async open(spec: DeviceSpec, isQuiet: boolean): Promise<DeviceStatus> {
    await this.closeCurrent()
    const driver = createDriver(spec, this.config, this.clock)
    this.driver = driver
    this.spec = spec
    this.quality = null
    let isReporting = !isQuiet
    driver.on('samples', (block: SampleBlock) => {
      this.events.emit('device.samples', block)
      this.assessQuality(driver, block)
    })
    driver.on('state', (state, detail) => {
      // An open port that stays silent (no_data) is news too: the board is off, not the dongle missing.
      if (state === 'streaming' || state === 'no_data') isReporting = true
      if (!isReporting) return
      this.lastDetail = detail
      this.events.emit('device.statusChanged', this.status())
    })
    driver.on('event', (event) => this.events.emit('device.event', event))
    if (!isQuiet) this.logger.info({ device: spec.kind, port: spec.path }, 'connecting headset')
    try {
      await driver.connect()
    } catch (err) {
      // A headset that never opened is not "the current one"; its error stays in `detail`. Another
      // connect or disconnect may have replaced it meanwhile, and then owns the status.
      if (this.driver === driver) {
        driver.removeAllListeners()
        this.driver = null
        this.spec = null
        if (!isQuiet) {
          this.lastDetail = err instanceof Error ? err.message : String(err)
          this.events.emit('device.statusChanged', this.status())
        }
      }
      throw err
    }
    return this.status()
  }

  private async closeCurrent(): Promise<void> {
    const driver = this.driver
    if (!driver) return
    await driver.disconnect()
    driver.removeAllListeners()
    this.driver = null
    this.spec = null
    this.quality = null
    this.events.emit('device.statusChanged', this.status())
  }

  private scheduleAttempt(wait: PortWait): void {
    // Deliberately not unref'd: a wait that outlived stop() would keep the process alive, so a leak shows.
    wait.timer = setTimeout(() => void this.attempt(wait), wait.delayMs)
  }

  private async attempt(wait: PortWait): Promise<void> {
    wait.timer = null
    if (this.wait !== wait) return
    try {
      await this.open(wait.spec, true)
    } catch (err) {
      if (this.wait !== wait) return
      wait.attempts++
      const reason = err instanceof Error ? err.message : String(err)
      const isNewReason = reason !== wait.reason
      wait.reason = reason
      wait.delayMs = Math.min(wait.delayMs * 2, PORT_WAIT_MAX_DELAY_MS)
      this.logger[isNewReason ? 'warn' : 'debug']({ device: wait.spec.kind, port: wait.spec.path, attempts: wait.attempts, reason, nextAttemptMs: wait.delayMs }, 'headset port still unavailable')
      this.showWaiting(wait)
      this.scheduleAttempt(wait)
      return
    }
    if (this.wait !== wait) return
    this.wait = null
    const waitedMs = Math.round(this.clock.monotonicMs() - wait.sinceMonoMs)
    this.logger.info({ device: wait.spec.kind, port: wait.spec.path, attempts: wait.attempts + 1, waitedMs }, 'headset port available; streaming')
  }

  /** Reports the wait once per distinct reason, so the live stream does not get a message every attempt. */
  private showWaiting(wait: PortWait): void {
    const detail = `Waiting for the ${wait.spec.kind} headset on ${wait.spec.path ?? 'its port'}: ${wait.reason}; retrying every ${PORT_WAIT_MAX_DELAY_MS / 1000} s at most`
    if (detail === this.lastDetail) return
    this.lastDetail = detail
    this.events.emit('device.statusChanged', this.status())
  }

  /** Ends the background wait, if any, and drops its detail; returns whether there was one. */
  private stopWaiting(): boolean {
    const wait = this.wait
    if (!wait) return false
    this.wait = null
    if (wait.timer) clearTimeout(wait.timer)
    wait.timer = null
    this.lastDetail = undefined
    this.logger.info({ device: wait.spec.kind, port: wait.spec.path, attempts: wait.attempts }, 'stopped waiting for the headset port')
    return true
  }

  private currentQuality(driver: HeadsetDriver): ChannelQuality[] {
    const current = this.quality?.current
    return current && current.length === driver.descriptor.channelNames.length ? [...current] : driver.descriptor.channelNames.map(() => 'unknown')
  }

  /** Rates each channel about once a second of samples; a change is a `quality` event and a status change. */
  private assessQuality(driver: HeadsetDriver, block: SampleBlock): void {
    const { descriptor } = driver
    if (!this.quality || this.quality.current.length !== block.channelCount) {
      this.quality = createQualityMonitor(block.channelCount, descriptor.sampleRateHz, descriptor.fullScaleUv)
    }
    const before = this.quality.current
    const verdict = this.quality.push(block.samplesUv, sampleCount(block))
    if (!verdict || verdict.every((q, c) => q === before[c])) return
    this.events.emit('device.event', { kind: 'quality', tMs: this.clock.wallMs(), data: { quality: verdict, channelNames: descriptor.channelNames } })
    this.events.emit('device.statusChanged', this.status())
  }
}

/** A port that is missing, locked by another program or not permitted: worth waiting for. */
function isPortUnavailable(err: unknown): err is VigilError {
  return isVigilError(err) && (err.code === 'DEVICE_PORT_NOT_FOUND' || err.code === 'DEVICE_PORT_BUSY')
}
