/**
 * Drive summary from the event stream (fatigue.md §3): SDLP overall and on straights, lane
 * departures, steering reversals, PVT outcomes and KSS. For the operator and analysis, never shown
 * to the participant.
 */
import type { GameEvent } from './events'

export interface DriveSummary {
  durationMs: number
  /** Standard deviation of lateral position, metres. */
  sdlpM: number | null
  sdlpStraightM: number | null
  laneDepartures: number
  timeOutOfLaneMs: number
  collisions: number
  /** Steering-wheel reversals per minute with the given gap (SAE J2944 idea, on the already smooth wheel angle). */
  steeringReversalsPerMin: number | null
  stimuli: number
  responses: number
  misses: number
  falseStarts: number
  lapses: number
  medianReactionTimeMs: number | null
  /** Mean of 1/RT in 1/s: the most sensitive PVT outcome. */
  meanResponseSpeedPerS: number | null
  kssAnswers: number[]
  kssTimeouts: number
}

function standardDeviation(values: number[]): number | null {
  if (values.length < 2) return null
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1))
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Reversals: each swing of at least `gapDeg` from the last extreme, the swings alternating in direction. */
export function countSteeringReversals(anglesDeg: number[], gapDeg: number): number {
  if (anglesDeg.length === 0) return 0
  // until the first swing, track both extremes: the first swing may go either way
  let high = anglesDeg[0]
  let low = anglesDeg[0]
  let extreme = anglesDeg[0]
  let direction = 0
  let reversals = 0
  for (const angle of anglesDeg) {
    if (direction === 0) {
      high = Math.max(high, angle)
      low = Math.min(low, angle)
      if (high - angle >= gapDeg) direction = -1
      else if (angle - low >= gapDeg) direction = 1
      if (direction !== 0) {
        reversals++
        extreme = angle
      }
    } else if (direction > 0 ? angle > extreme : angle < extreme) {
      extreme = angle
    } else if (Math.abs(angle - extreme) >= gapDeg) {
      reversals++
      direction = -direction
      extreme = angle
    }
  }
  return reversals
}

export function summarizeDrive(events: GameEvent[], options: { reversalGapDeg?: number; lapseThresholdMs?: number } = {}): DriveSummary {
  const gapDeg = options.reversalGapDeg ?? 3
  const offsets: number[] = []
  const straightOffsets: number[] = []
  const angles: number[] = []
  const rts: number[] = []
  const summary: DriveSummary = {
    durationMs: 0,
    sdlpM: null,
    sdlpStraightM: null,
    laneDepartures: 0,
    timeOutOfLaneMs: 0,
    collisions: 0,
    steeringReversalsPerMin: null,
    stimuli: 0,
    responses: 0,
    misses: 0,
    falseStarts: 0,
    lapses: 0,
    medianReactionTimeMs: null,
    meanResponseSpeedPerS: null,
    kssAnswers: [],
    kssTimeouts: 0
  }
  for (const e of events) {
    summary.durationMs = Math.max(summary.durationMs, e.tMs)
    switch (e.kind) {
      case 'state':
        offsets.push(e.laneOffsetM)
        if (e.isStraight) straightOffsets.push(e.laneOffsetM)
        angles.push(e.steeringWheelDeg)
        break
      case 'lane_departure':
        summary.laneDepartures++
        break
      case 'lane_return':
        summary.timeOutOfLaneMs += e.durationMs
        break
      case 'collision':
        summary.collisions++
        break
      case 'stimulus_shown':
        summary.stimuli++
        break
      case 'response': {
        summary.responses++
        const rt = e.reactionTimeMs ?? e.simReactionTimeMs
        rts.push(rt)
        if (options.lapseThresholdMs !== undefined ? rt >= options.lapseThresholdMs : e.isLapse) summary.lapses++
        break
      }
      case 'stimulus_missed':
        summary.misses++
        break
      case 'false_start':
        summary.falseStarts++
        break
      case 'kss_answer':
        summary.kssAnswers.push(e.value)
        break
      case 'kss_timeout':
        summary.kssTimeouts++
        break
      default:
        break
    }
  }
  summary.sdlpM = standardDeviation(offsets)
  summary.sdlpStraightM = standardDeviation(straightOffsets)
  if (summary.durationMs > 0 && angles.length > 0) summary.steeringReversalsPerMin = countSteeringReversals(angles, gapDeg) / (summary.durationMs / 60_000)
  summary.medianReactionTimeMs = median(rts)
  const speeds = rts.filter((rt) => rt > 0).map((rt) => 1000 / rt)
  summary.meanResponseSpeedPerS = speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null
  return summary
}
