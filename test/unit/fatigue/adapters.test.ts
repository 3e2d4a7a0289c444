import { describe, expect, it } from 'vitest'
import { gameEventSchema } from '../../../src/shared/game/events'
import { faceEventSchema, PROTOCOL_VERSION } from '../../../src/shared/protocol/common'
import { fatigueUpdateMessageSchema } from '../../../src/shared/protocol/station-messages'
import { fatigueMetricsSchema } from '../../../src/shared/schemas/fatigue'
import { createSimulatedEeg } from '../../../src/station/devices/simulated/simulated-eeg'
import type { TimedEvent } from '../../../src/station/events'
import { faceInputOf, gameInputOf } from '../../../src/station/fatigue/adapters'
import { createFatigueEngine } from '../../../src/station/fatigue/engine'

const T = 1_767_600_000_000

/** What the hub stores and emits for a wire face event. */
function timedFace(event: unknown): TimedEvent {
  const { kind, tMs, ...data } = faceEventSchema.parse(event)
  return { kind, tMs, data }
}

/** What the hub stores and emits for a game event in its envelope (wall-clock tMs outside, scenario time inside). */
function timedGame(wallMs: number, event: unknown): TimedEvent {
  const parsed = gameEventSchema.parse(event)
  return { kind: parsed.kind, tMs: wallMs, data: parsed as unknown as Record<string, unknown> }
}

describe('adapters between stream events and the engine', () => {
  it('reads face frames (raw EAR preferred over openness) and yawns; ignores tracker-side blinks', () => {
    expect(faceInputOf(timedFace({ kind: 'frame', tMs: T, facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 1, earLeft: 0.31, earRight: 0.33, mar: 0.05, pitchDeg: 4 }))).toEqual({
      type: 'frame',
      tMs: T,
      facePresent: true,
      eyeLeft: 0.31,
      eyeRight: 0.33,
      mouth: 0.05,
      pitchDeg: 4
    })
    expect(faceInputOf(timedFace({ kind: 'frame', tMs: T, facePresent: true, eyeOpennessLeft: 0.5, eyeOpennessRight: 0.7 }))).toMatchObject({ eyeLeft: 0.5, eyeRight: 0.7 })
    expect(faceInputOf(timedFace({ kind: 'frame', tMs: T, facePresent: false, eyeOpennessLeft: null, eyeOpennessRight: null }))).toMatchObject({ facePresent: false, eyeLeft: undefined })
    expect(faceInputOf(timedFace({ kind: 'yawn', tMs: T, durationMs: 2100 }))).toEqual({ type: 'yawn', tMs: T })
    expect(faceInputOf(timedFace({ kind: 'blink', tMs: T, durationMs: 120 }))).toBeNull()
  })

  it("reads the tracker's eyes-closed calibration as closed ÷ open EAR per eye; an open-only calibration changes nothing", () => {
    const both = timedFace({ kind: 'calibrated', tMs: T, baselineEarLeft: 0.4, baselineEarRight: 0.36, closedEarLeft: 0.12, closedEarRight: 0.09 })
    const input = faceInputOf(both)
    expect(input).toMatchObject({ type: 'closed_calibration', tMs: T })
    expect(input).toHaveProperty('closedRatioLeft', expect.closeTo(0.3, 12))
    expect(input).toHaveProperty('closedRatioRight', expect.closeTo(0.25, 12))
    expect(faceInputOf(timedFace({ kind: 'calibrated', tMs: T, baselineEarLeft: 0.4, baselineEarRight: 0.36 }))).toBeNull()
    // A "closed" reference at or above open (eyes not shut during the step) is not a calibration.
    expect(faceInputOf(timedFace({ kind: 'calibrated', tMs: T, baselineEarLeft: 0.4, baselineEarRight: 0.36, closedEarLeft: 0.41, closedEarRight: 0.1 }))).toBeNull()
  })

  it('reads the game events the simulation emits, timed by the envelope', () => {
    const state = { kind: 'state', tMs: 1000, distanceM: 25, laneOffsetM: -0.4, laneWidthM: 3.5, headingRad: 0, speedMps: 25, steeringWheelDeg: -3, roadCurvaturePerM: 0, isStraight: true }
    expect(gameInputOf(timedGame(T, state))).toEqual({ type: 'lane', tMs: T, laneOffsetM: -0.4, steeringDeg: -3, isStraight: true })
    expect(gameInputOf(timedGame(T, { kind: 'lane_departure', tMs: 1000, side: 'left', laneOffsetM: -2 }))).toEqual({ type: 'lane_departure', tMs: T })
    const response = { kind: 'response', tMs: 1000, stimulusId: 3, via: 'button', simReactionTimeMs: 416, isLapse: false }
    expect(gameInputOf(timedGame(T, response))).toEqual({ type: 'response', tMs: T, reactionTimeMs: 416 })
    expect(gameInputOf(timedGame(T, { ...response, reactionTimeMs: 402 }))).toEqual({ type: 'response', tMs: T, reactionTimeMs: 402 })
    expect(gameInputOf(timedGame(T, { kind: 'stimulus_missed', tMs: 1000, stimulusId: 4, responseWindowMs: 3000 }))).toEqual({ type: 'miss', tMs: T })
    expect(gameInputOf(timedGame(T, { kind: 'false_start', tMs: 1000, via: 'brake' }))).toEqual({ type: 'false_start', tMs: T })
    expect(gameInputOf(timedGame(T, { kind: 'kss_answer', tMs: 1000, promptId: 1, value: 8, latencyMs: 1500 }))).toEqual({ type: 'kss', tMs: T, value: 8 })
    expect(gameInputOf(timedGame(T, { kind: 'paused', tMs: 1000 }))).toBeNull()
  })

  it('produces metrics that satisfy their shared schema, carried unchanged by the stream update', () => {
    const sim = createSimulatedEeg({ channelCount: 4, sampleRateHz: 250, seed: 2, fatigueRampMinutes: 1, lineNoiseHz: 50, blinkRatePerMin: 15 })
    const engine = createFatigueEngine({ eeg: { channelNames: sim.channelNames, sampleRateHz: 250 } })
    engine.pushGame({ type: 'kss', tMs: T, value: 6 })
    engine.pushEeg({ channelCount: 4, timestampsMs: Float64Array.from({ length: 2500 }, (_, i) => T + i * 4), samplesUv: sim.next(2500) })
    const { updates } = engine.finish()
    const last = updates[updates.length - 1]
    expect(fatigueMetricsSchema.parse(last)).toEqual(last)
    const wire = JSON.parse(JSON.stringify({ v: PROTOCOL_VERSION, type: 'fatigue.update', sessionId: 's1', metrics: last })) as unknown
    expect(fatigueUpdateMessageSchema.parse(wire)).toEqual(wire)
    // Only KSS is usable yet (no EEG baseline in 10 s): KSS 6 alone makes the score.
    expect(wire).toMatchObject({ sessionId: 's1', metrics: { tMs: T + 10_000, score: 50, level: 'moderate', driving: { kss: 6 }, components: { kss: 0.5 } } })
  })
})
