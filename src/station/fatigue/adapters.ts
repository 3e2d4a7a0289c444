/**
 * The boundary between stored/streamed events and the engine: face and game `TimedEvent`s (as the hub
 * emits and the recorder stores them: `{tMs, kind, data}` with the wire fields in `data`) become engine
 * inputs, and engine metrics become the stream's flattened `fatigue.update`. Live service and replay
 * both go through here, so they see the same inputs.
 */
import type { FatigueUpdate } from '../../shared/protocol/common'
import type { FatigueMetrics } from '../../shared/schemas/fatigue'
import type { TimedEvent } from '../events'
import type { FaceInput, GameInput } from './types'

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** Face `frame` and `yawn` events; blinks and closures are recomputed from frames, the rest is ignored. */
export function faceInputOf(event: TimedEvent): FaceInput | null {
  const d = event.data
  if (event.kind === 'yawn') return { type: 'yawn', tMs: event.tMs }
  if (event.kind !== 'frame') return null
  // Raw EAR when the tracker sends it (the engine learns its own baseline); else the tracker's openness.
  const hasEar = num(d.earLeft) !== undefined && num(d.earRight) !== undefined
  return {
    type: 'frame',
    tMs: event.tMs,
    facePresent: d.facePresent !== false,
    eyeLeft: hasEar ? num(d.earLeft) : num(d.eyeOpennessLeft),
    eyeRight: hasEar ? num(d.earRight) : num(d.eyeOpennessRight),
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

/** The flattened stream view of an update: per-channel band powers, every index by name, clean share. */
export function toWireUpdate(sessionId: string, m: FatigueMetrics): FatigueUpdate {
  const indices: Record<string, number | null> = {}
  if (m.eeg) {
    for (const [k, v] of Object.entries(m.eeg.ratios ?? {})) indices[k] = v
    indices.zThetaAlphaOverBeta = m.eeg.zThetaAlphaOverBeta
    indices.zAlphaOverBeta = m.eeg.zAlphaOverBeta
  }
  if (m.face) {
    indices.perclosP80 = m.face.perclosP80
    indices.perclosP70 = m.face.perclosP70
    indices.blinksPerMin = m.face.blinksPerMin
    indices.meanBlinkDurationMs = m.face.meanBlinkDurationMs
    indices.longClosures = m.face.longClosures
    indices.maxClosureMs = m.face.maxClosureMs
    indices.yawnsPerMin = m.face.yawnsPerMin
    indices.headNodsPerMin = m.face.headNodsPerMin
    indices.facePresentFraction = m.face.facePresentFraction
  }
  if (m.driving) {
    indices.sdlpM = m.driving.sdlpM
    indices.sdlpDeltaM = m.driving.sdlpDeltaM
    indices.laneDeparturesPerMin = m.driving.laneDeparturesPerMin
    indices.steeringReversalsPerMin = m.driving.steeringReversalsPerMin
    indices.pvtMeanRtMs = m.driving.pvt.meanRtMs
    indices.pvtLapses = m.driving.pvt.lapses
    indices.kss = m.driving.kss
  }
  for (const [k, v] of Object.entries(m.components)) indices[`component.${k}`] = v
  // JSON has no Infinity/NaN (e.g. a ratio over zero beta): send null.
  for (const [k, v] of Object.entries(indices)) if (v !== null && !Number.isFinite(v)) indices[k] = null
  return {
    sessionId,
    tMs: m.tMs,
    score: m.score,
    level: m.level ?? 'unknown',
    bandPowers: (m.eeg?.channels ?? [])
      .filter((c) => c.absoluteUv2 && c.relative)
      .map((c) => ({ channel: c.name, absoluteUv2: c.absoluteUv2!, relative: c.relative! })),
    indices,
    cleanFraction: m.eeg ? m.eeg.cleanFraction : null
  }
}
