/**
 * Camera part of the engine. Eye values are mapped to closure between the subject's own open-eye
 * baseline (median over the first `baselineMs` with a face) and closed-eye reference (the tracker's
 * eyes-closed calibration as a share of open, else FALLBACK_CLOSED_EYE_RATIO), so raw EAR from any
 * landmark model and 0..1 openness both work. Every metric is recomputed from the time-sorted frames of the window at each update, so the
 * result does not depend on how frames were batched on arrival.
 */
import { eyeClosure, FALLBACK_CLOSED_EYE_RATIO } from '../../shared/eye-closure'
import type { FaceMetrics } from '../../shared/schemas/fatigue'
import type { FaceInput, FatigueEngineOptions } from './types'

interface Frame {
  tMs: number
  present: boolean
  isOpenness: boolean
  eyeLeft: number | undefined
  eyeRight: number | undefined
  mouth: number | undefined
  pitchDeg: number | undefined
}

export interface FaceAnalysis {
  metrics: FaceMetrics
  /** Longest closure that ended in (since, tMs] or is still under way: feeds the microsleep alert. */
  recentClosureMs: number
}

export interface FaceAnalyzer {
  push(input: FaceInput): void
  analyze(tMs: number, sinceMs: number): FaceAnalysis | null
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Index of the first element with tMs > t (binary search over time-sorted items). */
function upperBound(items: readonly { tMs: number }[], t: number): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (items[mid].tMs <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A count as a rate per minute of the time it was observed in; null under 10 s of observation. */
function perMinute(count: number, observedMs: number): number | null {
  return observedMs >= 10_000 ? (count * 60_000) / observedMs : null
}

function insertSorted<T extends { tMs: number }>(items: T[], item: T): void {
  if (items.length === 0 || items[items.length - 1].tMs <= item.tMs) items.push(item)
  else items.splice(upperBound(items, item.tMs), 0, item)
}

export function createFaceAnalyzer(options: FatigueEngineOptions['face']): FaceAnalyzer {
  const frames: Frame[] = []
  const yawnEvents: { tMs: number }[] = []
  // Eyes-closed calibrations (closed EAR ÷ open EAR per eye); an update uses the latest at or before its time.
  const closedCalibrations: { tMs: number; left: number; right: number }[] = []
  let closedRatio = { left: FALLBACK_CLOSED_EYE_RATIO, right: FALLBACK_CLOSED_EYE_RATIO }
  let startMs: number | null = null
  // Frames seen before the baseline is fixed; filtered by time when it is, so arrival order does not matter.
  const calibration: { tMs: number; left: number | undefined; right: number | undefined; pitchDeg: number | undefined }[] = []
  let baseline: { left: number; right: number; pitchDeg: number | null } | null = null
  // Episodes scan a little before the window so a closure that began earlier is measured whole.
  const keepMs = Math.max(options.windowMs, options.yawnWindowMs) + 10_000

  function closureOf(frame: Frame): number | null {
    if (!baseline || !frame.present || frame.eyeLeft === undefined || frame.eyeRight === undefined) return null
    const left = eyeClosure(frame.eyeLeft, baseline.left, frame.isOpenness ? 0 : baseline.left * closedRatio.left)
    const right = eyeClosure(frame.eyeRight, baseline.right, frame.isOpenness ? 0 : baseline.right * closedRatio.right)
    return (left + right) / 2
  }

  function push(input: FaceInput): void {
    if (input.type === 'yawn') {
      insertSorted(yawnEvents, { tMs: input.tMs })
      return
    }
    if (input.type === 'closed_calibration') {
      insertSorted(closedCalibrations, { tMs: input.tMs, left: input.closedRatioLeft, right: input.closedRatioRight })
      return
    }
    const frame: Frame = {
      tMs: input.tMs,
      present: input.facePresent,
      isOpenness: input.isOpenness === true,
      eyeLeft: input.eyeLeft,
      eyeRight: input.eyeRight,
      mouth: input.mouth,
      pitchDeg: input.pitchDeg
    }
    insertSorted(frames, frame)
    if (!frame.present) return
    if (startMs === null || frame.tMs < startMs) startMs = frame.tMs
    // startMs only moves earlier, so a frame past the baseline period now can never fall inside it.
    if (!baseline && frame.tMs < startMs + options.baselineMs) calibration.push({ tMs: frame.tMs, left: frame.eyeLeft, right: frame.eyeRight, pitchDeg: frame.pitchDeg })
  }

  function analyze(tMs: number, sinceMs: number): FaceAnalysis | null {
    if (startMs === null && yawnEvents.length === 0) return null
    const calibrated = upperBound(closedCalibrations, tMs)
    closedRatio = calibrated > 0 ? closedCalibrations[calibrated - 1] : { left: FALLBACK_CLOSED_EYE_RATIO, right: FALLBACK_CLOSED_EYE_RATIO }
    if (!baseline && startMs !== null && tMs >= startMs + options.baselineMs) {
      const inBaseline = calibration.filter((c) => c.tMs < startMs! + options.baselineMs)
      const eyes = inBaseline.filter((c) => c.left !== undefined && c.right !== undefined && c.left > 0 && c.right > 0)
      const pitches = inBaseline.filter((c) => c.pitchDeg !== undefined).map((c) => c.pitchDeg!)
      if (eyes.length > 0) {
        baseline = {
          left: median(eyes.map((c) => c.left!)),
          right: median(eyes.map((c) => c.right!)),
          pitchDeg: pitches.length > 0 ? median(pitches) : null
        }
        calibration.length = 0
      }
    }
    const end = upperBound(frames, tMs)
    const windowStart = tMs - options.windowMs
    // Forget what no window can reach any more.
    const stale = upperBound(frames, tMs - keepMs)
    if (stale > 0 && stale < end) frames.splice(0, stale)
    const yawnStale = upperBound(yawnEvents, tMs - keepMs)
    if (yawnStale > 0) yawnEvents.splice(0, yawnStale)
    const last = upperBound(frames, tMs)

    let presentMs = 0
    let availableMs = 0
    let p80Ms = 0
    let p70Ms = 0
    let closedSince: number | null = null
    let lastClosedFrameMs = 0
    const episodes: { startMs: number; endMs: number }[] = []
    let nodSince: number | null = null
    let nods = 0
    let mouthSeen = false
    let mouthOpenSince: number | null = null
    const yawnStarts: number[] = []
    let previous: Frame | null = null
    const scanFrom = upperBound(frames, tMs - keepMs)
    for (let i = scanFrom; i < last; i++) {
      const frame = frames[i]
      const next = i + 1 < last ? frames[i + 1].tMs : tMs
      const gapBroken = previous !== null && frame.tMs - previous.tMs > options.maxFrameGapMs
      // Time this frame stands for inside the PERCLOS window.
      const from = Math.max(frame.tMs, windowStart)
      const to = Math.min(next, frame.tMs + options.maxFrameGapMs, tMs)
      const covered = Math.max(0, to - from)
      const closure = closureOf(frame)
      if (frame.present) presentMs += covered
      if (closure !== null) {
        availableMs += covered
        if (closure >= options.p80Closure) p80Ms += covered
        if (closure >= options.p70Closure) p70Ms += covered
      }
      // Eye-closure episodes: a lost face or a gap ends them uncounted (closed eyes vs turned head is unknown).
      if (closure === null || gapBroken) closedSince = null
      if (closure !== null) {
        if (closedSince === null && closure >= options.episodeStartClosure) closedSince = frame.tMs
        else if (closedSince !== null && closure < options.episodeEndClosure) {
          episodes.push({ startMs: closedSince, endMs: frame.tMs })
          closedSince = null
        }
        if (closedSince !== null) lastClosedFrameMs = frame.tMs
      }
      // Head nods: a pitch excursion from baseline that recovers within maxNodMs.
      if (baseline?.pitchDeg != null && frame.present && frame.pitchDeg !== undefined) {
        const away = Math.abs(frame.pitchDeg - baseline.pitchDeg) >= options.nodPitchDeg
        if (away && nodSince === null) nodSince = frame.tMs
        else if (!away && nodSince !== null) {
          if (frame.tMs - nodSince <= options.maxNodMs && frame.tMs > windowStart) nods++
          nodSince = null
        }
      }
      // Yawns: the mouth wide open for at least minYawnMs.
      if (frame.present && frame.mouth !== undefined) {
        mouthSeen = true
        if (frame.mouth > options.yawnMouth) {
          if (mouthOpenSince === null) mouthOpenSince = frame.tMs
        } else if (mouthOpenSince !== null) {
          if (frame.tMs - mouthOpenSince >= options.minYawnMs) yawnStarts.push(mouthOpenSince)
          mouthOpenSince = null
        }
      }
      previous = frame
    }
    const currentClosureMs = closedSince !== null ? lastClosedFrameMs - closedSince : 0
    const inWindow = episodes.filter((e) => e.endMs > windowStart)
    const durations = inWindow.map((e) => e.endMs - e.startMs)
    const blinks = durations.filter((d) => d < options.maxBlinkMs)
    const recent = episodes.filter((e) => e.endMs > sinceMs).map((e) => e.endMs - e.startMs)
    const yawnWindowStart = tMs - options.yawnWindowMs
    const yawns = mouthSeen ? yawnStarts.filter((t) => t > yawnWindowStart).length : yawnEvents.filter((e) => e.tMs > yawnWindowStart && e.tMs <= tMs).length

    return {
      metrics: {
        perclosP80: availableMs >= 10_000 ? p80Ms / availableMs : null,
        perclosP70: availableMs >= 10_000 ? p70Ms / availableMs : null,
        facePresentFraction: presentMs / options.windowMs,
        baselineReady: baseline !== null,
        blinksPerMin: perMinute(blinks.length, availableMs),
        meanBlinkDurationMs: blinks.length > 0 ? blinks.reduce((a, b) => a + b, 0) / blinks.length : null,
        longClosures: durations.filter((d) => d >= options.longClosureMs).length,
        maxClosureMs: Math.max(0, currentClosureMs, ...durations),
        currentClosureMs,
        yawnsPerMin: startMs === null && !mouthSeen && yawns === 0 ? null : (yawns * 60_000) / options.yawnWindowMs,
        headNodsPerMin: baseline?.pitchDeg != null ? perMinute(nods, presentMs) : null
      },
      recentClosureMs: Math.max(currentClosureMs, ...recent, 0)
    }
  }

  return { push, analyze }
}
