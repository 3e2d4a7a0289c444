/**
 * Owns the station's one headset: creates the driver for a spec, forwards its samples and events to
 * the station event bus, and keeps the status the API and the live stream report.
 */
import type { Clock } from '../clock'
import type { StationConfig } from '../config'
import type { StationEventBus } from '../events'
import type { Logger } from '../logger'
import { createQualityMonitor, type QualityMonitor } from './quality'
import { createDriver, type DeviceSpec } from './registry'
import { emptyStats, sampleCount, type ChannelQuality, type DeviceStatus, type HeadsetDriver, type SampleBlock } from './types'

export class DeviceManager {
  private driver: HeadsetDriver | null = null
  private spec: DeviceSpec | null = null
  private lastDetail: string | undefined
  private quality: QualityMonitor | null = null

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

  /** Connects the headset described by `spec`, replacing any connected one. */
  async connect(spec: DeviceSpec): Promise<DeviceStatus> {
    await this.disconnect()
    const driver = createDriver(spec, this.config, this.clock)
    this.driver = driver
    this.spec = spec
    this.quality = null
    driver.on('samples', (block: SampleBlock) => {
      this.events.emit('device.samples', block)
      this.assessQuality(driver, block)
    })
    driver.on('state', (_state, detail) => {
      this.lastDetail = detail
      this.events.emit('device.statusChanged', this.status())
    })
    driver.on('event', (event) => this.events.emit('device.event', event))
    this.logger.info({ device: spec.kind, port: spec.path }, 'connecting headset')
    try {
      await driver.connect()
    } catch (err) {
      // A headset that never opened is not "the current one"; its error stays in `detail`.
      driver.removeAllListeners()
      this.driver = null
      this.spec = null
      this.lastDetail = err instanceof Error ? err.message : String(err)
      this.events.emit('device.statusChanged', this.status())
      throw err
    }
    return this.status()
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

  async disconnect(): Promise<void> {
    const driver = this.driver
    if (!driver) return
    await driver.disconnect()
    driver.removeAllListeners()
    this.driver = null
    this.spec = null
    this.quality = null
    this.events.emit('device.statusChanged', this.status())
  }
}
