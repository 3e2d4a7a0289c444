/**
 * EEG part of the engine: per-channel mains notch and Butterworth band-pass (state kept across blocks),
 * a ring of filtered samples, and at each update a Welch PSD over the last `windowSec` (Hann segments
 * of `segmentSec`, `overlap`), with artefact-flagged segments left out and counted. Ratio indices are
 * z-scored (log scale) against the subject's own baseline from the first minutes of data.
 */
import { emgFraction, peakToPeak, type ArtefactKind } from '../signal/artefacts'
import { BAND_NAMES, bandPowers, ratioIndices, relativePowers, type BandPowers, type RatioIndices } from '../signal/band-power'
import { butterworthHighPass, butterworthLowPass, createChannelFilter, notch, type BiquadCoefficients, type ChannelFilter } from '../signal/biquad'
import { createPeriodogram, integrateBand, type Periodogram } from '../signal/welch'
import type { EegMetrics } from '../../shared/schemas/fatigue'
import type { EegInput, EegOptions } from './types'

export interface EegAnalyzer {
  /** Filters and stores samples [from, to) of a block (the engine splits blocks at update boundaries). */
  push(input: EegInput, from: number, to: number): void
  /** Metrics of the window ending at the newest sample at or before `tMs`; null without enough data. */
  analyze(tMs: number): EegMetrics | null
  readonly firstSampleMs: number | null
}

/** The filter cascade the analyzer applies, exposed for tests and docs. */
export function eegFilterSections(options: EegOptions): BiquadCoefficients[] {
  const fs = options.sampleRateHz
  const nyquist = fs / 2
  const sections: BiquadCoefficients[] = []
  if (options.mainsHz < nyquist * 0.98) sections.push(notch(fs, options.mainsHz, options.notchQ))
  sections.push(...butterworthHighPass(fs, options.bandPass.lowHz, options.bandPass.order))
  // Low rates (e.g. 100 Hz) cannot hold a 45 Hz edge: keep it below 90% of Nyquist.
  sections.push(...butterworthLowPass(fs, Math.min(options.bandPass.highHz, nyquist * 0.9), options.bandPass.order))
  return sections
}

interface BaselineStats {
  values: number[][]
  mean: number[] | null
  sd: number[] | null
}

interface SegmentResult {
  rejected: ArtefactKind | null
  psd: Float64Array | null
}

const MIN_BASELINE_UPDATES = 5
/** Floor for baseline SDs (log units) so a very steady baseline does not make every wobble a z of 10. */
const MIN_BASELINE_SD = 0.05

export function createEegAnalyzer(options: EegOptions, baselineMs: number, lookaheadMs: number): EegAnalyzer {
  const channelCount = options.channelNames.length
  const fs = options.sampleRateHz
  const filter: ChannelFilter = createChannelFilter(eegFilterSections(options), channelCount)
  const segmentLength = Math.round(options.segmentSec * fs)
  const hop = Math.max(1, Math.round(segmentLength * (1 - options.overlap)))
  const windowLength = Math.max(segmentLength, Math.round(options.windowSec * fs))
  const periodogram: Periodogram = createPeriodogram(segmentLength, fs)
  // Room for the window plus the samples that arrive after an update boundary, before it is computed.
  const capacity = windowLength + Math.ceil((fs * lookaheadMs) / 1000) + Math.ceil(fs)
  const ring = new Float64Array(capacity * channelCount)
  const times = new Float64Array(capacity)
  let written = 0
  let firstSampleMs: number | null = null
  let filterBuffer = new Float64Array(0)
  const segmentSignal = new Float64Array(segmentLength)
  const meanPsd = new Float64Array(periodogram.binCount)
  const segments = new Map<number, SegmentResult[]>()
  const baseline: BaselineStats = { values: [[], []], mean: null, sd: null }

  function push(input: EegInput, from: number, to: number): void {
    const n = to - from
    if (n <= 0) return
    if (input.channelCount !== channelCount) throw new RangeError(`EEG block has ${input.channelCount} channels, expected ${channelCount}`)
    if (firstSampleMs === null) firstSampleMs = input.timestampsMs[from]
    const length = n * channelCount
    if (filterBuffer.length < length) filterBuffer = new Float64Array(length)
    const view = filterBuffer.subarray(0, length)
    for (let i = 0; i < length; i++) view[i] = input.samplesUv[from * channelCount + i]
    filter.process(view, view)
    for (let s = 0; s < n; s++) {
      const slot = written % capacity
      times[slot] = input.timestampsMs[from + s]
      ring.set(view.subarray(s * channelCount, (s + 1) * channelCount), slot * channelCount)
      written++
    }
  }

  /** Artefact checks and periodogram of every channel for the segment starting at absolute sample `first`. */
  function segmentAt(first: number): SegmentResult[] {
    const cached = segments.get(first)
    if (cached) return cached
    const result: SegmentResult[] = []
    for (let c = 0; c < channelCount; c++) {
      for (let i = 0; i < segmentLength; i++) segmentSignal[i] = ring[((first + i) % capacity) * channelCount + c]
      if (peakToPeak(segmentSignal, 0, segmentLength) > options.artefacts.maxPeakToPeakUv) {
        result.push({ rejected: 'amplitude', psd: null })
        continue
      }
      const psd = new Float64Array(periodogram.binCount)
      periodogram.compute(segmentSignal, 0, psd)
      const isEmg = emgFraction(psd, periodogram.binHz, options.artefacts) > options.artefacts.maxEmgFraction
      result.push(isEmg ? { rejected: 'emg', psd: null } : { rejected: null, psd })
    }
    segments.set(first, result)
    return result
  }

  function analyze(tMs: number): EegMetrics | null {
    const stored = Math.min(written, capacity)
    // Newest sample at or before tMs.
    let end = written
    while (end > written - stored && times[(end - 1) % capacity] > tMs) end--
    const available = Math.min(windowLength, end - (written - stored))
    if (available < segmentLength) return null
    const start = end - available
    // Segments by absolute sample index; their spectra are kept between updates (with 1-s updates and
    // 2-s segments at 50% overlap, 6 of the 7 in a window were already computed). Same values in, same
    // spectra out, so caching changes nothing in the result.
    const segmentStarts: number[] = []
    for (let offset = available - segmentLength; offset >= 0; offset -= hop) segmentStarts.push(start + offset)
    for (const key of segments.keys()) if (key < start) segments.delete(key)
    const results = segmentStarts.map(segmentAt)

    const channels: EegMetrics['channels'] = []
    const sum: BandPowers = { delta: 0, theta: 0, alpha: 0, beta: 0 }
    let totalSum = 0
    let cleanChannels = 0
    let clean = 0
    let rejectedAmplitude = 0
    let rejectedEmg = 0
    for (let c = 0; c < channelCount; c++) {
      let used = 0
      for (const result of results) {
        const segment = result[c]
        if (segment.rejected === 'amplitude') rejectedAmplitude++
        else if (segment.rejected === 'emg') rejectedEmg++
        else {
          if (used === 0) meanPsd.set(segment.psd!)
          else for (let k = 0; k < meanPsd.length; k++) meanPsd[k] += segment.psd![k]
          used++
        }
      }
      clean += used
      const cleanFraction = used / segmentStarts.length
      if (used === 0) {
        channels.push({ name: options.channelNames[c], absoluteUv2: null, relative: null, cleanFraction })
        continue
      }
      for (let k = 0; k < meanPsd.length; k++) meanPsd[k] /= used
      const absolute = bandPowers(meanPsd, periodogram.binHz, options.bands)
      const total = integrateBand(meanPsd, periodogram.binHz, options.totalBand.lowHz, options.totalBand.highHz)
      for (const band of BAND_NAMES) sum[band] += absolute[band]
      totalSum += total
      cleanChannels++
      channels.push({ name: options.channelNames[c], absoluteUv2: absolute, relative: relativePowers(absolute, total), cleanFraction })
    }
    const cleanFraction = clean / (segmentStarts.length * channelCount)
    let absoluteUv2: BandPowers | null = null
    let relative: BandPowers | null = null
    let ratios: RatioIndices | null = null
    if (cleanChannels > 0) {
      absoluteUv2 = { delta: sum.delta / cleanChannels, theta: sum.theta / cleanChannels, alpha: sum.alpha / cleanChannels, beta: sum.beta / cleanChannels }
      const total = totalSum / cleanChannels
      relative = relativePowers(absoluteUv2, total)
      ratios = ratioIndices(absoluteUv2)
    }

    const logs = ratios ? [Math.log(ratios.thetaAlphaOverBeta), Math.log(ratios.alphaOverBeta)] : null
    const usable = logs !== null && logs.every(Number.isFinite) && cleanFraction >= options.minCleanFraction
    const startMs = firstSampleMs ?? tMs
    const fullWindow = available === windowLength
    if (!baseline.mean) {
      // A baseline period too artefact-ridden to give enough values is extended until it has them.
      if (usable && fullWindow && (tMs < startMs + baselineMs || baseline.values[0].length < MIN_BASELINE_UPDATES)) {
        logs.forEach((v, i) => baseline.values[i].push(v))
      }
      if (tMs >= startMs + baselineMs && baseline.values[0].length >= MIN_BASELINE_UPDATES) {
        baseline.mean = baseline.values.map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length)
        baseline.sd = baseline.values.map((vs, i) => {
          const m = baseline.mean![i]
          return Math.max(MIN_BASELINE_SD, Math.sqrt(vs.reduce((a, v) => a + (v - m) ** 2, 0) / (vs.length - 1)))
        })
      }
    }
    const z = (i: number): number | null =>
      baseline.mean && baseline.sd && logs && Number.isFinite(logs[i]) ? (logs[i] - baseline.mean[i]) / baseline.sd[i] : null

    return {
      absoluteUv2,
      relative,
      ratios,
      zThetaAlphaOverBeta: z(0),
      zAlphaOverBeta: z(1),
      baselineReady: baseline.mean !== null,
      cleanFraction,
      rejectedAmplitude,
      rejectedEmg,
      channels
    }
  }

  return {
    push,
    analyze,
    get firstSampleMs() {
      return firstSampleMs
    }
  }
}
