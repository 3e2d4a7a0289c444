import { describe, expect, it } from 'vitest'
import { countSteeringReversals, createDriveSimulation, summarizeDrive, type GameEvent } from '../../../src/shared/game'
import { createLaneKeeper, loadScenario, runDrive } from '../../helpers/game-drivers'

function state(tMs: number, laneOffsetM: number): GameEvent {
  return { kind: 'state', tMs, distanceM: tMs / 36, laneOffsetM, laneWidthM: 3.5, headingRad: 0, speedMps: 27.8, steeringWheelDeg: 0, roadCurvaturePerM: 0, isStraight: true }
}

describe('drive summary', () => {
  it('counts a steering reversal only when the wheel comes back by at least the gap', () => {
    expect(countSteeringReversals([0, 1, 2, 1.5, 2.5, 0, -3, 1], 3)).toBe(2)
    expect(countSteeringReversals([0, 2, 0, 2, 0], 3)).toBe(0)
    expect(countSteeringReversals([], 3)).toBe(0)
  })

  it('derives SDLP, PVT outcomes and KSS from the event stream', () => {
    const events: GameEvent[] = [
      state(0, -0.2), state(1000, 0.2), state(2000, -0.2), state(3000, 0.2),
      { kind: 'stimulus_shown', tMs: 1000, stimulusId: 1, stimulusKind: 'light' },
      { kind: 'response', tMs: 1300, stimulusId: 1, via: 'button', simReactionTimeMs: 300, reactionTimeMs: 290, isLapse: false },
      { kind: 'stimulus_shown', tMs: 2000, stimulusId: 2, stimulusKind: 'light' },
      { kind: 'response', tMs: 2600, stimulusId: 2, via: 'brake', simReactionTimeMs: 600, isLapse: true },
      { kind: 'stimulus_shown', tMs: 2800, stimulusId: 3, stimulusKind: 'light' },
      { kind: 'stimulus_missed', tMs: 3000, stimulusId: 3, responseWindowMs: 3000 },
      { kind: 'kss_answer', tMs: 3000, promptId: 1, value: 7, latencyMs: 2000 }
    ]
    const s = summarizeDrive(events)
    expect(s.sdlpM).toBeCloseTo(Math.sqrt((4 * 0.04) / 3), 9)
    expect(s).toMatchObject({ stimuli: 3, responses: 2, misses: 1, lapses: 1, medianReactionTimeMs: 445, kssAnswers: [7] })
    expect(s.meanResponseSpeedPerS).toBeCloseTo((1000 / 290 + 1000 / 600) / 2, 9)
  })

  it('gives a competent scripted driver a small SDLP and no departures on the practice drive', () => {
    const sim = createDriveSimulation(loadScenario('practice-5min'))
    const s = summarizeDrive(runDrive(sim, createLaneKeeper(sim, { kssValue: 3 })))
    expect(s.laneDepartures).toBe(0)
    expect(s.sdlpM!).toBeLessThan(0.3)
    expect(s.misses).toBe(0)
    expect(s.kssAnswers).toEqual([3])
  })
})
