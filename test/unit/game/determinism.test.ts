import { describe, expect, it } from 'vitest'
import type { DriveInput, GameEvent } from '../../../src/shared/game/events'
import { createDriveSimulation, createPrng, createRecordedDrive, replayDrive, NEUTRAL_INPUT } from '../../../src/renderer/src/game/sim'
import { createLaneKeeper, hashEvents, loadScenario, ofKind, runDrive } from '../../helpers/game-drivers'

describe('determinism', () => {
  it('gives an identical trace for the same scenario and seed (hash of every event)', () => {
    const scenario = loadScenario('practice-5min')
    const a = createDriveSimulation(scenario)
    const b = createDriveSimulation(scenario)
    const traceA = runDrive(a, createLaneKeeper(a, { kssValue: 4 }))
    const traceB = runDrive(b, createLaneKeeper(b, { kssValue: 4 }))
    expect(ofKind(traceA, 'state').length).toBeGreaterThan(300 * 29)
    expect(ofKind(traceA, 'stimulus_shown').length).toBeGreaterThan(5)
    expect(hashEvents(traceB)).toBe(hashEvents(traceA))
  })

  it('gives a different drive for a different seed', () => {
    const scenario = loadScenario('pvt-10min')
    const a = createDriveSimulation(scenario)
    const b = createDriveSimulation({ ...scenario, seed: scenario.seed + 1 })
    const first = (sim: typeof a) => runDrive(sim, createLaneKeeper(sim), 120 * 60)
    expect(hashEvents(first(b))).not.toBe(hashEvents(first(a)))
  })

  it('keeps the same road and gusts for every participant: only inputs change the trace', () => {
    const scenario = loadScenario('monotonous-60min')
    const a = createDriveSimulation(scenario)
    const b = createDriveSimulation(scenario)
    runDrive(a, () => NEUTRAL_INPUT, 10)
    runDrive(b, createLaneKeeper(b), 10)
    for (let d = 0; d < 50_000; d += 250) expect(a.road.curvatureAt(d)).toBe(b.road.curvatureAt(d))
  })

  it('draws the same PRNG stream for the same seed and spreads it over [0, 1)', () => {
    const p = createPrng(42)
    const q = createPrng(42)
    const values = Array.from({ length: 10_000 }, () => p.next())
    expect(Array.from({ length: 10_000 }, () => q.next())).toEqual(values)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThan(1)
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1)
  })
})

/** A messy human-like run: keyboard steering bursts, button mashing, KSS keys, pause/resume. */
function liveRun() {
  const scenario = loadScenario('practice-5min')
  const { sim, log } = createRecordedDrive(scenario)
  const noise = createPrng(99)
  const keeper = createLaneKeeper(sim, { kssValue: 6, reactionSteps: 40 })
  const events: GameEvent[] = sim.command('start')
  let held: DriveInput = NEUTRAL_INPUT
  for (let frame = 0; frame < 120 * 240; frame++) {
    if (frame === 120 * 70) events.push(...sim.command('pause'))
    if (frame === 120 * 75) events.push(...sim.command('resume'))
    if (frame % 30 === 0) {
      const smart = keeper()
      // quantise to keyboard presses, now and then a stray button press
      held = { ...smart, steer: Math.abs(smart.steer) < 0.05 ? 0 : Math.sign(smart.steer), isAnalogSteer: false, isButtonDown: smart.isButtonDown || noise.next() < 0.02 }
    }
    events.push(...sim.step(held))
  }
  events.push(...sim.command('end'))
  return { scenario, events, log }
}

describe('replay from logged inputs', () => {
  it('re-runs a live drive with pauses and an operator end to the identical event stream', () => {
    const live = liveRun()
    expect(ofKind(live.events, 'paused')).toHaveLength(1)
    expect(ofKind(live.events, 'ended')[0].reason).toBe('operator')
    // the log holds changes only, not a frame per step
    expect(live.log.entries.length).toBeLessThan(live.log.endStep / 10)
    const replayed = replayDrive(live.scenario, JSON.parse(JSON.stringify(live.log)))
    expect(replayed.length).toBe(live.events.length)
    expect(hashEvents(replayed)).toBe(hashEvents(live.events))
  })

  it('refuses a log recorded for another scenario or seed', () => {
    const live = liveRun()
    expect(() => replayDrive({ ...live.scenario, seed: 1 }, live.log)).toThrow(/not/)
  })
})
