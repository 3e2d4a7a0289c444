/**
 * The boundary between stored/streamed events and the engine: face and game `TimedEvent`s (as the hub
 * emits and the recorder stores them: `{tMs, kind, data}` with the wire fields in `data`) become engine
 * inputs. Live service and replay both go through here, so they see the same inputs.
 */
import type { TimedEvent } from '../events'
import type { FaceInput, GameInput } from './types'

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/**
 * Face `frame` and `yawn` events, and `calibrated` events that carry an eyes-closed reference; blinks
 * and closures are recomputed from frames, the rest is ignored.
 */
export function faceInputOf(event: TimedEvent): FaceInput | null {
  const d = event.data
  if (event.kind === 'yawn') return { type: 'yawn', tMs: event.tMs }
  if (event.kind === 'calibrated') {
    const openLeft = num(d.baselineEarLeft)
    const openRight = num(d.baselineEarRight)
    const closedLeft = num(d.closedEarLeft)
    const closedRight = num(d.closedEarRight)
    // Only a closed reference below the open one describes a shut eye; anything else keeps the fallback.
    if (openLeft === undefined || openRight === undefined || closedLeft === undefined || closedRight === undefined) return null
    if (!(openLeft > 0 && openRight > 0 && closedLeft >= 0 && closedRight >= 0 && closedLeft < openLeft && closedRight < openRight)) return null
    return { type: 'closed_calibration', tMs: event.tMs, closedRatioLeft: closedLeft / openLeft, closedRatioRight: closedRight / openRight }
  }
  if (event.kind !== 'frame') return null
  // Raw EAR when the tracker sends it (the engine learns its own baseline); else the tracker's openness.
  const hasEar = num(d.earLeft) !== undefined && num(d.earRight) !== undefined
  return {
    type: 'frame',
    tMs: event.tMs,
    facePresent: d.facePresent !== false,
    eyeLeft: hasEar ? num(d.earLeft) : num(d.eyeOpennessLeft),
    eyeRight: hasEar ? num(d.earRight) : num(d.eyeOpennessRight),
    ...(hasEar ? {} : { isOpenness: true }),
    mouth: num(d.mar),
    pitchDeg: num(d.pitchDeg)
  }
}

/** Game events (src/shared/game/events.ts kinds); `tMs` is the wall-clock time of the envelope. */
export function gameInputOf(event: TimedEvent): GameInput | null {
  const d = event.data
  const tMs = event.tMs
  switch (event.kind) {
    case 'state': {
      const laneOffsetM = num(d.laneOffsetM)
      if (laneOffsetM === undefined) return null
      return { type: 'lane', tMs, laneOffsetM, steeringDeg: num(d.steeringWheelDeg), isStraight: typeof d.isStraight === 'boolean' ? d.isStraight : undefined }
    }
    case 'lane_departure':
      return { type: 'lane_departure', tMs }
    case 'response': {
      // The painted-frame latency when the browser measured it, else the simulation's own.
      const reactionTimeMs = num(d.reactionTimeMs) ?? num(d.simReactionTimeMs)
      return reactionTimeMs === undefined ? null : { type: 'response', tMs, reactionTimeMs }
    }
    case 'stimulus_missed':
      return { type: 'miss', tMs }
    case 'false_start':
      return { type: 'false_start', tMs }
    case 'kss_answer': {
      const value = num(d.value)
      return value === undefined ? null : { type: 'kss', tMs, value }
    }
    default:
      return null
  }
}
