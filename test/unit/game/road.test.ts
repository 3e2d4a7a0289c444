import { describe, expect, it } from 'vitest'
import { createRoad } from '../../../src/renderer/src/game/sim'
import { loadScenario, testScenario } from '../../helpers/game-drivers'

describe('road', () => {
  it('blends curvature between segments instead of stepping, and repeats explicit segments', () => {
    const road = createRoad(testScenario({ road: { profile: { kind: 'segments', segments: [{ lengthM: 1000, curvaturePerM: 0 }, { lengthM: 1000, curvaturePerM: 0.004 }] } } }))
    expect(road.curvatureAt(999)).toBe(0)
    expect(road.curvatureAt(1060)).toBeCloseTo(0.002, 9)
    expect(road.curvatureAt(1500)).toBe(0.004)
    expect(road.isStraightAt(500)).toBe(true)
    expect(road.isStraightAt(1500)).toBe(false)
    // second lap: the straight ramps down from the bend, then both repeat
    expect(road.curvatureAt(2060)).toBeCloseTo(0.002, 9)
    expect(road.curvatureAt(3500)).toBe(0.004)
  })

  it('generates a smooth, bounded road for the whole 60-min drive, with a straight after every bend', () => {
    const scenario = loadScenario('monotonous-60min')
    const road = createRoad(scenario)
    const max = scenario.road.profile.kind === 'generated' ? scenario.road.profile.maxCurvaturePerM : 0
    let previous = road.curvatureAt(0)
    let straightM = 0
    const stepM = 5
    const lengthM = 3600 * (130 / 3.6)
    for (let d = stepM; d < lengthM; d += stepM) {
      const k = road.curvatureAt(d)
      expect(Math.abs(k)).toBeLessThanOrEqual(max)
      // the largest ramp (full curvature change over 120 m) moves at most this much in 5 m
      expect(Math.abs(k - previous)).toBeLessThanOrEqual((2 * max * stepM) / 120 + 1e-12)
      if (k === 0) straightM += stepM
      previous = k
    }
    expect(straightM / lengthM).toBeGreaterThan(0.55)
    expect(straightM / lengthM).toBeLessThan(0.85)
  })
})
