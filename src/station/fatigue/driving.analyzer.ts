/**
 * Driving part of the engine: SDLP on straights and steering reversal rate (SAE J2944) over a sliding
 * window, lane departures per minute, PVT reaction-time statistics with lapses, and the latest KSS.
 */
import { butterworthLowPass, filtfilt } from '../signal/biquad'
import type { DrivingMetrics } from '../../shared/schemas/fatigue'
import type { FatigueEngineOptions, GameInput } from './types'

type Lane = Extract<GameInput, { type: 'lane' }>

export interface DrivingAnalysis {
  metrics: DrivingMetrics
  /** Lane departures in (since, tMs]. */
  recentDepartures: number
  /** Slowest reaction in (since, tMs]; Infinity for a miss, null when none. */
  recentSlowestRtMs: number | null
}

export interface DrivingAnalyzer {
  push(input: GameInput): void
  analyze(tMs: number, sinceMs: number): DrivingAnalysis | null
}

/** Population standard deviation. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)
}

/**
 * Steering reversals per SAE J2944 / Markkula & Engström 2006: zero-phase low-pass, stationary points,
 * then count each change of direction of at least `gapDeg` between them (upward and downward).
 */
export function countSteeringReversals(angleDeg: readonly number[], sampleRateHz: number, cutoffHz: number, gapDeg: number): number {
  if (angleDeg.length < 3) return 0
  const smooth = cutoffHz < sampleRateHz / 2 ? filtfilt(butterworthLowPass(sampleRateHz, cutoffHz, 2), angleDeg) : Float64Array.from(angleDeg)
  const stationary: number[] = [smooth[0]]
  for (let i = 1; i < smooth.length - 1; i++) {
    const d0 = smooth[i] - smooth[i - 1]
    const d1 = smooth[i + 1] - smooth[i]
    if ((d0 > 0 && d1 <= 0) || (d0 < 0 && d1 >= 0)) stationary.push(smooth[i])
  }
  stationary.push(smooth[smooth.length - 1])
  let reversals = 0
  for (const direction of [1, -1]) {
    let k = 0
    for (let l = 1; l < stationary.length; l++) {
      const change = (stationary[l] - stationary[k]) * direction
      if (change >= gapDeg) {
        reversals++
        k = l
      } else if (change < 0) k = l
    }
  }
  return reversals
}

function insertSorted<T extends { tMs: number }>(items: T[], item: T): void {
  if (items.length === 0 || items[items.length - 1].tMs <= item.tMs) {
    items.push(item)
    return
  }
  let i = items.length
  while (i > 0 && items[i - 1].tMs > item.tMs) i--
  items.splice(i, 0, item)
}

/** Drops items stamped at or before `t` (windows are (start, end]). */
function dropUpTo<T extends { tMs: number }>(items: T[], t: number): void {
  let n = 0
  while (n < items.length && items[n].tMs <= t) n++
  if (n > 0) items.splice(0, n)
}

export function createDrivingAnalyzer(options: FatigueEngineOptions['driving'], baselineMs: number): DrivingAnalyzer {
  const lanes: Lane[] = []
  const departures: { tMs: number }[] = []
  const reactions: { tMs: number; rtMs: number | null }[] = []
  const falseStarts: { tMs: number }[] = []
  // Every answer, time-sorted: an update at T uses the latest at or before T, so an answer arriving
  // within the hold-back cannot blank the updates before it (live and replay then agree).
  const kssAnswers: { tMs: number; value: number }[] = []
  let startMs: number | null = null
  const baselineSdlp: number[] = []
  let sdlpBaseline: number | null = null

  function push(input: GameInput): void {
    if (startMs === null || input.tMs < startMs) startMs = input.tMs
    switch (input.type) {
      case 'lane':
        insertSorted(lanes, input)
        break
      case 'lane_departure':
        insertSorted(departures, { tMs: input.tMs })
        break
      case 'response':
        if (input.reactionTimeMs < options.falseStartMs) insertSorted(falseStarts, { tMs: input.tMs })
        else insertSorted(reactions, { tMs: input.tMs, rtMs: input.reactionTimeMs })
        break
      case 'miss':
        insertSorted(reactions, { tMs: input.tMs, rtMs: null })
        break
      case 'false_start':
        insertSorted(falseStarts, { tMs: input.tMs })
        break
      case 'kss':
        insertSorted(kssAnswers, { tMs: input.tMs, value: input.value })
        break
    }
  }

  function analyze(tMs: number, sinceMs: number): DrivingAnalysis | null {
    if (startMs === null) return null
    const windowStart = tMs - options.windowMs
    dropUpTo(lanes, windowStart)
    dropUpTo(departures, tMs - Math.max(options.windowMs, 10_000))
    dropUpTo(reactions, tMs - options.pvtWindowMs)
    dropUpTo(falseStarts, tMs - options.pvtWindowMs)
    const window = lanes.filter((l) => l.tMs <= tMs)
    const haveDriving = window.length > 0 || departures.length > 0

    const straight = window.filter((l) => l.isStraight !== false).map((l) => l.laneOffsetM)
    // At least 10 s of a 10 Hz trace, so a stray sample cannot make an SDLP.
    const sdlpM = straight.length >= 100 ? standardDeviation(straight) : null
    if (sdlpM !== null && sdlpBaseline === null && tMs < startMs + baselineMs) baselineSdlp.push(sdlpM)
    if (sdlpBaseline === null && tMs >= startMs + baselineMs && baselineSdlp.length > 0) {
      sdlpBaseline = baselineSdlp.reduce((a, b) => a + b, 0) / baselineSdlp.length
    }

    const steering = window.filter((l) => l.steeringDeg !== undefined)
    let steeringReversalsPerMin: number | null = null
    if (steering.length >= 20) {
      const spanMs = steering[steering.length - 1].tMs - steering[0].tMs
      const rateHz = ((steering.length - 1) * 1000) / spanMs
      if (spanMs >= 10_000) {
        const reversals = countSteeringReversals(steering.map((l) => l.steeringDeg!), rateHz, options.srrCutoffHz, options.srrGapDeg)
        steeringReversalsPerMin = (reversals * 60_000) / spanMs
      }
    }

    const inPvt = reactions.filter((r) => r.tMs <= tMs)
    const rts = inPvt.filter((r) => r.rtMs !== null).map((r) => r.rtMs!)
    const sorted = [...rts].sort((a, b) => a - b)
    const medianRtMs = sorted.length === 0 ? null : sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
    const lapses = inPvt.filter((r) => r.rtMs === null || r.rtMs >= options.lapseMs).length
    const recentReactions = inPvt.filter((r) => r.tMs > sinceMs)
    const recentSlowestRtMs = recentReactions.length === 0 ? null : Math.max(...recentReactions.map((r) => r.rtMs ?? Infinity))
    // Updates come in time order, so an answer superseded at tMs is never needed again.
    while (kssAnswers.length > 1 && kssAnswers[1].tMs <= tMs) kssAnswers.shift()
    const kss = kssAnswers.length > 0 && kssAnswers[0].tMs <= tMs ? kssAnswers[0] : null
    const kssValid = kss !== null && tMs - kss.tMs <= options.kssValidMs

    return {
      metrics: {
        sdlpM,
        sdlpDeltaM: sdlpM !== null && sdlpBaseline !== null ? sdlpM - sdlpBaseline : null,
        laneDeparturesPerMin: haveDriving ? (departures.filter((d) => d.tMs > windowStart && d.tMs <= tMs).length * 60_000) / options.windowMs : null,
        steeringReversalsPerMin,
        pvt: {
          responses: rts.length,
          misses: inPvt.length - rts.length,
          meanRtMs: rts.length > 0 ? rts.reduce((a, b) => a + b, 0) / rts.length : null,
          medianRtMs,
          meanSpeedPerS: rts.length > 0 ? rts.reduce((a, rt) => a + 1000 / rt, 0) / rts.length : null,
          lapses,
          falseStarts: falseStarts.filter((f) => f.tMs <= tMs).length
        },
        kss: kssValid ? kss.value : null,
        kssAgeMs: kssValid ? tMs - kss.tMs : null
      },
      recentDepartures: departures.filter((d) => d.tMs > sinceMs && d.tMs <= tMs).length,
      recentSlowestRtMs
    }
  }

  return { push, analyze }
}
