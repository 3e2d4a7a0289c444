/**
 * `--device lsl:<predicate>`: any numeric LSL stream as the session's EEG. The stream is found by
 * an XPath predicate on its info (`type='EEG' and name='LiveAmp'`); channel names and units come
 * from its `desc/channels`; timestamps go through time correction with a linear drift fit onto
 * the station's clock; gaps are found from timestamps against the nominal rate (LSL has no
 * sample counter); when the outlet disappears the inlet re-resolves the same source_id and the
 * session continues with the gap recorded.
 */
import { EventEmitter } from 'node:events'
import type { Clock } from '../clock'
import type { HeadsetDescriptor } from '../../shared/headsets'
import { VigilError } from '../../shared/errors'
import { emptyStats, type DeviceEvent, type DeviceState, type DriverStats, type HeadsetDriver, type HeadsetDriverEvents, type SampleBlock } from '../devices/types'
import {
  compileQuery,
  lslLocalClock,
  openLslInlet,
  readChannelsDesc,
  resolveStreams,
  type LslClock,
  type LslInlet,
  type LslNetworkConfig,
  type ReceivedSample,
  type StreamInfo,
  type TimeCorrection
} from './protocol'

export interface LslDriverOptions {
  predicate: string
  network: LslNetworkConfig
  clock: Clock
  lslClock?: LslClock
  /** How long one connect attempt looks for the stream before reporting it missing. */
  resolveTimeoutMs?: number
  /** How often the clock offset to the outlet is re-measured (LabRecorder: 5 s). */
  timeCorrectionIntervalMs?: number
}

/** Scale of a channel unit to µV; unknown units are taken as µV (and said so in the model). */
export function microvoltsPer(unit: string | undefined): number | null {
  const u = (unit ?? '').trim().toLowerCase()
  if (['', 'uv', 'µv', 'μv', 'microvolt', 'microvolts'].includes(u)) return 1
  if (['mv', 'millivolt', 'millivolts'].includes(u)) return 1000
  if (['v', 'volt', 'volts'].includes(u)) return 1e6
  if (['nv', 'nanovolt', 'nanovolts'].includes(u)) return 1e-3
  return null
}

/**
 * Fits remote -> local clock correction as a line over the last measurements, so a slowly
 * drifting amplifier clock is followed between probes instead of stepping every 5 s.
 */
export function createDriftFit(maxPoints = 24): { add(tc: TimeCorrection): void; correctionAt(remoteS: number): number | null; reset(): void } {
  let points: { x: number; y: number; w: number }[] = []
  return {
    add(tc) {
      // Weight by 1/RTT²: a probe delayed by a busy network says little.
      points.push({ x: tc.remoteAt, y: tc.correctionSeconds, w: 1 / Math.max(1e-6, tc.rttSeconds) ** 2 })
      if (points.length > maxPoints) points = points.slice(-maxPoints)
    },
    correctionAt(remoteS) {
      if (points.length === 0) return null
      if (points.length < 3) return points.at(-1)!.y
      let sw = 0
      let sx = 0
      let sy = 0
      for (const p of points) {
        sw += p.w
        sx += p.w * p.x
        sy += p.w * p.y
      }
      const mx = sx / sw
      const my = sy / sw
      let sxx = 0
      let sxy = 0
      for (const p of points) {
        sxx += p.w * (p.x - mx) ** 2
        sxy += p.w * (p.x - mx) * (p.y - my)
      }
      const slope = sxx > 0 ? sxy / sxx : 0
      return my + slope * (remoteS - mx)
    },
    reset() {
      points = []
    }
  }
}

/**
 * LSL has no sample counter: loss shows only as a timestamp later than the stream's own timeline
 * predicts. Outlets stamp chunks at push time, so stamps jitter by up to a push interval; a gap
 * must exceed this many seconds (and at least 5 sample periods) to count. Shorter losses are
 * indistinguishable from jitter (docs/lsl.md).
 */
export const GAP_TOLERANCE_S = 0.05
/** Per-sample weight of a timestamp's residual in the predicted timeline (a slow PLL). */
const TRACKING_GAIN = 0.002

export function createLslDriver(options: LslDriverOptions): HeadsetDriver {
  return new LslHeadsetDriver(options)
}

class LslHeadsetDriver extends EventEmitter<HeadsetDriverEvents> implements HeadsetDriver {
  descriptor: HeadsetDescriptor
  private currentState: DeviceState = 'disconnected'
  private readonly counters: DriverStats = emptyStats()
  private inlet: LslInlet | null = null
  private connecting: Promise<void> | null = null
  private scales: number[] = []
  private readonly fit = createDriftFit()
  private tcTimer: NodeJS.Timeout | null = null
  /** Where the next sample's timestamp should fall (remote LSL seconds) if none is lost. */
  private predictedNextS: number | null = null
  private nextSeq = 0
  private lostAtMonoMs = 0
  private readonly lslClock: LslClock
  /** LSL seconds minus station monotonic seconds: both clocks are monotonic at the same rate. */
  private readonly lslMinusMonoS: number
  private readonly wallMinusMonoMs: number
  private gapToleranceS = GAP_TOLERANCE_S

  constructor(private readonly options: LslDriverOptions) {
    super()
    compileQuery(options.predicate)
    this.lslClock = options.lslClock ?? lslLocalClock
    this.lslMinusMonoS = this.lslClock() - options.clock.monotonicMs() / 1000
    this.wallMinusMonoMs = options.clock.wallMs() - options.clock.monotonicMs()
    this.descriptor = { kind: 'lsl', model: `LSL stream (${options.predicate})`, channelNames: [], sampleRateHz: 0, fullScaleUv: 0, unit: 'uV', port: `lsl:${options.predicate}` }
  }

  get state(): DeviceState {
    return this.currentState
  }

  stats(): DriverStats {
    return { ...this.counters }
  }

  connect(): Promise<void> {
    if (this.inlet) return Promise.resolve()
    // Concurrent calls share one attempt: connect() is idempotent like every driver's.
    this.connecting ??= this.open().finally(() => {
      this.connecting = null
    })
    return this.connecting
  }

  private async open(): Promise<void> {
    this.setState('connecting', `looking for an LSL stream matching ${this.options.predicate}`)
    const found = await resolveStreams({ network: this.options.network, query: this.options.predicate, minimum: 1, timeoutMs: this.options.resolveTimeoutMs ?? 3000 })
    const numeric = found.filter((s) => s.channelFormat !== 'string' && s.nominalSrateHz > 0)
    const info = numeric[0]
    if (!info) {
      this.setState('disconnected')
      const why = found.length > 0 ? `only irregular or string streams match (${found.map((s) => s.name).join(', ')})` : 'no LSL stream matches'
      throw new VigilError('DEVICE_PORT_NOT_FOUND', `${why}: ${this.options.predicate}`)
    }
    const inlet = openLslInlet(info, {
      network: this.options.network,
      clock: this.lslClock,
      onSamples: (samples) => this.onSamples(samples),
      onStatus: (status, current) => this.onInletStatus(status, current)
    })
    try {
      await inlet.open()
    } catch (err) {
      this.setState('disconnected')
      throw new VigilError('DEVICE_PORT_NOT_FOUND', `LSL stream ${info.name} could not be opened: ${(err as Error).message}`)
    }
    this.inlet = inlet
    this.describe(inlet.info)
    await this.measureTimeCorrection()
    this.tcTimer = setInterval(() => void this.measureTimeCorrection(), this.options.timeCorrectionIntervalMs ?? 5000)
    this.tcTimer.unref()
    this.emitEvent('connected', { model: this.descriptor.model, port: this.descriptor.port, sourceId: info.sourceId, hostname: info.hostname })
    this.setState('streaming', `LSL ${info.name}: ${info.channelCount} channels at ${info.nominalSrateHz} Hz from ${info.hostname}`)
  }

  async disconnect(): Promise<void> {
    if (this.tcTimer) clearInterval(this.tcTimer)
    this.tcTimer = null
    const inlet = this.inlet
    this.inlet = null
    if (inlet) {
      await inlet.close()
      this.emitEvent('disconnected', {})
    }
    this.setState('disconnected')
  }

  private describe(info: StreamInfo): void {
    const channels = readChannelsDesc(info)
    const names = Array.from({ length: info.channelCount }, (_, k) => channels[k]?.label || `Ch${k + 1}`)
    const unknownUnits = new Set<string>()
    this.scales = Array.from({ length: info.channelCount }, (_, k) => {
      const scale = microvoltsPer(channels[k]?.unit)
      if (scale === null) unknownUnits.add(channels[k]!.unit!)
      return scale ?? 1
    })
    const unitNote = unknownUnits.size > 0 ? `; unknown unit ${[...unknownUnits].join(', ')} taken as µV` : ''
    this.gapToleranceS = Math.max(GAP_TOLERANCE_S, 5 / info.nominalSrateHz)
    this.descriptor = {
      kind: 'lsl',
      model: `${info.name} (LSL ${info.type || 'stream'} from ${info.hostname || 'unknown host'}${unitNote})`,
      channelNames: names,
      sampleRateHz: info.nominalSrateHz,
      fullScaleUv: 0,
      unit: 'uV',
      port: `lsl:${this.options.predicate}`
    }
  }

  private async measureTimeCorrection(): Promise<void> {
    const inlet = this.inlet
    if (!inlet?.isConnected) return
    try {
      this.fit.add(await inlet.timeCorrection())
    } catch {
      // A lost probe round is normal on a busy network; the fit keeps the previous estimate.
    }
  }

  /**
   * Remote LSL seconds -> station wall ms, through time correction and the monotonic clock, with
   * the wall clock anchored once (as the serial drivers' timeline does): reading `Date.now()` per
   * sample would add its millisecond steps and NTP slews to every stamp.
   */
  private toWallMs(remoteS: number): number {
    const localLslS = remoteS + (this.fit.correctionAt(remoteS) ?? 0)
    return this.wallMinusMonoMs + (localLslS - this.lslMinusMonoS) * 1000
  }

  private onSamples(samples: ReceivedSample[]): void {
    const n = samples.length
    const channelCount = this.descriptor.channelNames.length
    if (n === 0 || channelCount === 0) return
    const periodS = 1 / this.descriptor.sampleRateHz
    let blockStart = 0
    let blockFirstSeq = this.nextSeq
    const flush = (end: number): void => {
      if (end <= blockStart) return
      const count = end - blockStart
      const timestampsMs = new Float64Array(count)
      const samplesUv = new Float32Array(count * channelCount)
      for (let i = 0; i < count; i++) {
        const s = samples[blockStart + i]!
        timestampsMs[i] = this.toWallMs(s.timestamp)
        const values = s.values as number[]
        for (let c = 0; c < channelCount; c++) samplesUv[i * channelCount + c] = values[c]! * this.scales[c]!
      }
      this.counters.samplesReceived += count
      this.emit('samples', { firstSeq: blockFirstSeq, channelCount, timestampsMs, samplesUv } satisfies SampleBlock)
    }
    for (let i = 0; i < n; i++) {
      const t = samples[i]!.timestamp
      const predicted = this.predictedNextS ?? t
      const residual = t - predicted
      if (residual > this.gapToleranceS) {
        const missing = Math.round(residual / periodS)
        flush(i)
        blockStart = i
        this.counters.gaps++
        this.counters.samplesDropped += missing
        this.emitEvent('gap', { afterSeq: this.nextSeq - 1, size: missing, durationMs: Math.round(missing * periodS * 1000) }, this.toWallMs(predicted - periodS))
        this.nextSeq += missing
        blockFirstSeq = this.nextSeq
        this.predictedNextS = t
      } else if (residual < -Math.max(1, 100 * periodS)) {
        // The outlet's clock stepped back (a restart on another host): follow it, report it.
        this.emitEvent('clock', { reason: 'LSL timestamps went backwards', stepS: residual })
        this.predictedNextS = t
      } else {
        // Follow slow drift of the amplifier's rate without letting push jitter move the line.
        this.predictedNextS = predicted + TRACKING_GAIN * residual
      }
      this.predictedNextS += periodS
      this.nextSeq++
    }
    flush(n)
  }

  private onInletStatus(status: string, info: StreamInfo): void {
    if (status === 'lost') {
      this.lostAtMonoMs = this.options.clock.monotonicMs()
      this.emitEvent('reconnecting', { reason: `LSL stream ${info.name} went away; waiting for source_id ${info.sourceId || '(none)'}` })
      this.setState('reconnecting', `LSL stream ${info.name} lost; waiting for it to come back`)
    } else if (status === 'recovered') {
      this.counters.reconnects++
      // The outlet may have restarted on another host or clock: measure afresh.
      this.fit.reset()
      void this.measureTimeCorrection()
      this.emitEvent('reconnected', { downMs: Math.round(this.options.clock.monotonicMs() - this.lostAtMonoMs), port: this.descriptor.port, hostname: info.hostname })
      this.setState('streaming', `LSL ${info.name} back`)
    }
  }

  private setState(state: DeviceState, detail?: string): void {
    if (state === this.currentState && detail === undefined) return
    this.currentState = state
    this.emit('state', state, detail)
  }

  private emitEvent(kind: DeviceEvent['kind'], data: Record<string, unknown>, tMs = this.options.clock.wallMs()): void {
    this.emit('event', { kind, tMs, data })
  }
}
