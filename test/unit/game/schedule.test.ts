import { describe, expect, it } from 'vitest'
import type { GameEvent } from '../../../src/shared/game/events'
import { createDriveSimulation, NEUTRAL_INPUT } from '../../../src/renderer/src/game/sim'
import { createLaneKeeper, loadScenario, ofKind, runDrive, testScenario } from '../../helpers/game-drivers'

/** Gap before each stimulus: from the block start or the previous stimulus's end (response or miss). */
function interStimulusGapsMs(events: GameEvent[], blockStartMs: number): number[] {
  const gaps: number[] = []
  let lastEndMs = blockStartMs
  for (const e of events) {
    if (e.kind === 'stimulus_shown') gaps.push(e.tMs - lastEndMs)
    if (e.kind === 'response' || e.kind === 'stimulus_missed') lastEndMs = e.tMs
  }
  return gaps
}

describe('PVT stimulus schedule', () => {
  it('places every stimulus of the 10-min PVT 2-10 s after the previous one ended, inside the block', () => {
    const scenario = loadScenario('pvt-10min')
    const sim = createDriveSimulation(scenario)
    const events = runDrive(sim, createLaneKeeper(sim, { reactionSteps: 36 }))
    const shown = ofKind(events, 'stimulus_shown')
    // 600 s / (6 s mean gap + 0.3 s RT) ≈ 95
    expect(shown.length).toBeGreaterThan(75)
    expect(shown.length).toBeLessThan(120)
    const stepMs = sim.stepMs
    for (const gap of interStimulusGapsMs(events, 0)) {
      expect(gap).toBeGreaterThanOrEqual(2000)
      expect(gap).toBeLessThan(10_000 + stepMs)
    }
    expect(shown.every((s) => s.tMs < 600_000)).toBe(true)
    const responses = ofKind(events, 'response')
    expect(responses).toHaveLength(shown.length)
    // the driver sees the stimulus after its onset step and presses 36 steps later
    for (const r of responses) {
      expect(r.simReactionTimeMs).toBeCloseTo(37 * stepMs, 6)
      expect(r).toMatchObject({ isLapse: false, via: 'button' })
    }
  })

  it('keeps stimuli inside their blocks and none between blocks', () => {
    const scenario = testScenario({
      durationS: 200,
      stimuli: [
        { startS: 10, endS: 40, stimulusKind: 'light' },
        { startS: 120, endS: 150, stimulusKind: 'brake_lights' }
      ]
    })
    const sim = createDriveSimulation(scenario)
    const events = runDrive(sim, createLaneKeeper(sim))
    const shown = ofKind(events, 'stimulus_shown')
    expect(shown.length).toBeGreaterThan(4)
    for (const s of shown) {
      const inFirst = s.tMs >= 12_000 && s.tMs < 40_000 && s.stimulusKind === 'light'
      const inSecond = s.tMs >= 122_000 && s.tMs < 150_000 && s.stimulusKind === 'brake_lights'
      expect(inFirst || inSecond).toBe(true)
    }
  })

  it('records a miss after the response window and counts the next gap from the miss', () => {
    const scenario = testScenario({ durationS: 60, stimuli: [{ startS: 0, endS: 60, stimulusKind: 'light', responseWindowMs: 3000 }] })
    const events = runDrive(createDriveSimulation(scenario), () => NEUTRAL_INPUT)
    const shown = ofKind(events, 'stimulus_shown')
    const missed = ofKind(events, 'stimulus_missed')
    expect(missed.length).toBe(shown.length)
    for (const [i, m] of missed.entries()) {
      expect(m.stimulusId).toBe(shown[i].stimulusId)
      expect(m.tMs - shown[i].tMs).toBeCloseTo(3000, 6)
    }
    for (const gap of interStimulusGapsMs(events, 0)) expect(gap).toBeGreaterThanOrEqual(2000)
  })

  it('takes a brake press as a response and a press with no stimulus as a false start', () => {
    const scenario = testScenario({ durationS: 30, stimuli: [{ startS: 5, endS: 30, stimulusKind: 'brake_lights' }] })
    const sim = createDriveSimulation(scenario)
    const events = sim.command('start')
    events.push(...sim.step({ ...NEUTRAL_INPUT, isButtonDown: true }))
    while (!sim.view().stimulus) events.push(...sim.step(NEUTRAL_INPUT))
    for (let i = 0; i < 50; i++) events.push(...sim.step(NEUTRAL_INPUT))
    events.push(...sim.step({ ...NEUTRAL_INPUT, brake: 1 }))
    expect(ofKind(events, 'false_start')).toEqual([{ kind: 'false_start', tMs: sim.stepMs, via: 'button' }])
    const response = ofKind(events, 'response')[0]
    expect(response.via).toBe('brake')
    expect(response.simReactionTimeMs).toBeCloseTo(51 * sim.stepMs, 6)
    expect(response.isLapse).toBe(false)
  })
})

describe('KSS probes', () => {
  it('prompts every 5 minutes and records a timeout when nobody answers', () => {
    const scenario = testScenario({ durationS: 16 * 60, kss: { isEnabled: true, firstAtS: 300, intervalS: 300, timeoutS: 10 } })
    const sim = createDriveSimulation(scenario)
    const events = runDrive(sim, createLaneKeeper(sim))
    const prompts = ofKind(events, 'kss_prompt')
    expect(prompts.map((p) => Math.round(p.tMs))).toEqual([300_000, 600_000, 900_000])
    const timeouts = ofKind(events, 'kss_timeout')
    expect(timeouts.map((t) => t.promptId)).toEqual([1, 2, 3])
    for (const [i, t] of timeouts.entries()) {
      expect(t.timeoutMs).toBe(10_000)
      expect(t.tMs - prompts[i].tMs).toBeCloseTo(10_000, 6)
    }
  })

  it('records the answer and its latency, non-modally (driving goes on meanwhile)', () => {
    const scenario = testScenario({ durationS: 320, kss: { isEnabled: true, firstAtS: 300, intervalS: 300, timeoutS: 10 } })
    const sim = createDriveSimulation(scenario)
    const events = runDrive(sim, createLaneKeeper(sim, { kssValue: 7, kssDelaySteps: 240 }))
    const answer = ofKind(events, 'kss_answer')[0]
    expect(answer).toMatchObject({ promptId: 1, value: 7 })
    expect(answer.latencyMs).toBeCloseTo(241 * sim.stepMs, 6)
    expect(ofKind(events, 'kss_timeout')).toHaveLength(0)
    const statesDuringPrompt = ofKind(events, 'state').filter((s) => s.tMs > 300_000 && s.tMs < answer.tMs)
    expect(new Set(statesDuringPrompt.map((s) => s.distanceM)).size).toBe(statesDuringPrompt.length)
  })

  it('times out a prompt still open when the operator ends the drive', () => {
    const sim = createDriveSimulation(testScenario({ durationS: 60, kss: { isEnabled: true, firstAtS: 5, intervalS: 300, timeoutS: 30 } }))
    sim.command('start')
    for (let i = 0; i < 120 * 6; i++) sim.step(NEUTRAL_INPUT)
    const events = sim.command('end')
    expect(events.map((e) => e.kind)).toEqual(['kss_timeout', 'ended'])
    expect(events.at(-1)).toMatchObject({ kind: 'ended', reason: 'operator' })
  })
})
