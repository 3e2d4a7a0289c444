/**
 * Wind: a steady lateral push plus gusts at seeded random times. The gust timeline does not depend on
 * the participant, so every drive of a scenario meets the same gusts at the same scenario time.
 */
import type { Scenario } from '../../../../shared/schemas/scenario'
import { createPrng, forkSeed } from './prng'

interface Gust {
  startMs: number
  durationMs: number
  /** Signed peak lateral acceleration, positive to the right. */
  peakMS2: number
}

export interface Wind {
  /** Lateral acceleration (m/s², positive right) at scenario time tMs; tMs must not decrease. */
  accelAt(tMs: number): number
}

export function createWind(scenario: Scenario): Wind {
  const w = scenario.wind
  const prng = createPrng(forkSeed(scenario.seed, 'wind'))
  const draw = (after: number): Gust => ({
    startMs: after + prng.uniform(w.gustIntervalS.min, w.gustIntervalS.max) * 1000,
    durationMs: prng.uniform(w.gustDurationS.min, w.gustDurationS.max) * 1000,
    peakMS2: (prng.next() < 0.5 ? -1 : 1) * prng.uniform(w.gustAccelMS2.min, w.gustAccelMS2.max)
  })
  let gust = draw(0)
  return {
    accelAt(tMs) {
      while (tMs >= gust.startMs + gust.durationMs) gust = draw(gust.startMs + gust.durationMs)
      const into = tMs - gust.startMs
      // half-sine envelope: a gust builds and fades instead of stepping
      const gustMS2 = into >= 0 ? gust.peakMS2 * Math.sin((Math.PI * into) / gust.durationMs) : 0
      return w.steadyAccelMS2 + gustMS2
    }
  }
}
