import { describe, expect, it } from 'vitest'
import { countSteeringReversals, standardDeviation } from '../../../src/station/fatigue/driving.analyzer'
import { createFatigueEngine, type EngineOutput } from '../../../src/station/fatigue/engine'
import type { GameInput } from '../../../src/station/fatigue/types'

const T0 = 1_700_000_000_000

function feed(inputs: GameInput[], baselineMs = 30_000): EngineOutput {
  const engine = createFatigueEngine({ baselineMs })
  const out: EngineOutput = { updates: [], alerts: [] }
  for (const input of [...inputs].sort((a, b) => a.tMs - b.tMs)) {
    const r = engine.pushGame(input)
    out.updates.push(...r.updates)
    out.alerts.push(...r.alerts)
  }
  const r = engine.finish()
  out.updates.push(...r.updates)
  out.alerts.push(...r.alerts)
  return out
}

/** A 20 Hz lane trace: a sinusoidal weave of `amplitudeM` at 0.1 Hz, steering as a 0.2 Hz sine of 10°. */
function laneTrace(fromMs: number, durationMs: number, amplitudeM: number): GameInput[] {
  const out: GameInput[] = []
  for (let t = fromMs; t < fromMs + durationMs; t += 50) {
    const s = t / 1000
    out.push({ type: 'lane', tMs: T0 + t, laneOffsetM: amplitudeM * Math.sin(2 * Math.PI * 0.1 * s), steeringDeg: 10 * Math.sin(2 * Math.PI * 0.2 * s), isStraight: true })
  }
  return out
}

describe('driving metrics', () => {
  it('computes SDLP of a known weave: A/√2 over whole periods, and ΔSDLP against the baseline', () => {
    // Baseline minute weaving ±0.2 m, then ±0.3 m.
    const { updates } = feed([...laneTrace(0, 60_000, 0.2), ...laneTrace(60_000, 60_000, 0.3)], 60_000)
    const at = (s: number) => updates.find((u) => u.tMs === T0 + s * 1000)!.driving!
    expect(at(60).sdlpM).toBeCloseTo(0.2 / Math.SQRT2, 3)
    const end = at(120)
    expect(end.sdlpM).toBeCloseTo(0.3 / Math.SQRT2, 3)
    expect(end.sdlpDeltaM).toBeGreaterThan(0.05)
    expect(end.sdlpDeltaM).toBeLessThan(0.3 / Math.SQRT2 - 0.2 / Math.SQRT2 + 0.02)
    expect(end.laneDeparturesPerMin).toBe(0)
  })

  it('counts steering reversals per SAE J2944 (gap 3°, 0.6 Hz): two per period of a 10° weave (plus the start), none for a 1° wobble', () => {
    const fs = 20
    const weave = Array.from({ length: 60 * fs }, (_, i) => 10 * Math.sin((2 * Math.PI * 0.2 * i) / fs))
    expect(countSteeringReversals(weave, fs, 0.6, 3)).toBeGreaterThanOrEqual(23)
    expect(countSteeringReversals(weave, fs, 0.6, 3)).toBeLessThanOrEqual(25)
    const wobble = weave.map((v) => v / 10)
    expect(countSteeringReversals(wobble, fs, 0.6, 3)).toBe(0)
    expect(standardDeviation([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(1.25), 12)
  })

  it('reports PVT statistics with lapses ≥ 500 ms, misses and false starts, and raises slow_reaction', () => {
    const trace = laneTrace(0, 30_000, 0.1)
    const { updates, alerts } = feed([
      ...trace,
      { type: 'response', tMs: T0 + 5_000, reactionTimeMs: 250 },
      { type: 'response', tMs: T0 + 10_000, reactionTimeMs: 300 },
      { type: 'response', tMs: T0 + 15_000, reactionTimeMs: 600 },
      { type: 'response', tMs: T0 + 20_000, reactionTimeMs: 1200 },
      { type: 'response', tMs: T0 + 21_000, reactionTimeMs: 60 },
      { type: 'miss', tMs: T0 + 25_000 }
    ])
    const pvt = updates.find((u) => u.tMs === T0 + 30_000)!.driving!.pvt
    expect(pvt).toEqual({
      responses: 4,
      misses: 1,
      meanRtMs: (250 + 300 + 600 + 1200) / 4,
      medianRtMs: 450,
      meanSpeedPerS: (1000 / 250 + 1000 / 300 + 1000 / 600 + 1000 / 1200) / 4,
      lapses: 3,
      falseStarts: 1
    })
    const slow = alerts.filter((a) => a.type === 'slow_reaction')
    expect(slow.map((a) => [a.tMs - T0, a.severity])).toEqual([[15_000, 'warning'], [20_000, 'severe']])
  })

  it('raises lane_departure and kss_high (DDAW: warn at 7, must at 8)', () => {
    const { updates, alerts } = feed([
      ...laneTrace(0, 30_000, 0.1),
      { type: 'lane_departure', tMs: T0 + 12_300 },
      { type: 'kss', tMs: T0 + 20_000, value: 8 }
    ])
    expect(alerts.filter((a) => a.type === 'lane_departure').map((a) => [a.tMs - T0, a.severity])).toEqual([[13_000, 'warning']])
    expect(alerts.filter((a) => a.type === 'kss_high').map((a) => [a.tMs - T0, a.severity])).toEqual([[20_000, 'severe']])
    const end = updates[updates.length - 1]
    expect(end.driving!.kss).toBe(8)
    expect(end.driving!.laneDeparturesPerMin).toBe(1)
    expect(end.components.kss).toBeCloseTo(5 / 6, 9)
    expect(end.eeg).toBeNull()
  })

  it('keeps every KSS answer: an update before a new answer still reports the previous one, live as in replay', () => {
    const inputs: GameInput[] = [
      ...laneTrace(0, 40_000, 0.1),
      { type: 'kss', tMs: T0 + 10_000, value: 5 },
      // Arrives inside the 1.5-s hold-back of the update at 30 s, which must still say 5.
      { type: 'kss', tMs: T0 + 30_500, value: 7 }
    ]
    const { updates } = feed(inputs)
    const kssAt = (s: number) => updates.find((u) => u.tMs === T0 + s * 1000)!.driving!
    expect(kssAt(9).kss).toBeNull()
    expect(kssAt(10)).toMatchObject({ kss: 5, kssAgeMs: 0 })
    expect(kssAt(30)).toMatchObject({ kss: 5, kssAgeMs: 20_000 })
    expect(kssAt(31)).toMatchObject({ kss: 7, kssAgeMs: 500 })
    // Every second of the drive has a KSS from 10 s on: none is blanked by the next answer.
    expect(updates.filter((u) => u.tMs >= T0 + 10_000).every((u) => u.driving!.kss !== null)).toBe(true)
  })
})
