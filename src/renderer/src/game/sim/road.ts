/**
 * The road as curvature over distance. Segments of constant curvature are joined by linear curvature
 * ramps (clothoid-like), so the steering needed changes smoothly, as on a real highway. Generated roads
 * are extended lazily from their own PRNG stream, so any length is the same for every participant.
 */
import type { Scenario } from '../../../../shared/schemas/scenario'
import { createPrng, forkSeed } from './prng'

/** Length over which curvature blends from one segment into the next (capped at half a segment). */
const TRANSITION_M = 120

export interface Road {
  readonly laneWidthM: number
  readonly laneCount: number
  readonly shoulderWidthM: number
  /** Curvature (1/m, positive = right bend) at a distance along the road. */
  curvatureAt(distanceM: number): number
  /** True on constant-curvature-zero stretches (SDLP is reported on straights only). */
  isStraightAt(distanceM: number): boolean
}

export function createRoad(scenario: Scenario): Road {
  const { profile } = scenario.road
  const startsM: number[] = []
  const curvatures: number[] = []
  let endM = 0

  const push = (lengthM: number, curvaturePerM: number): number => {
    startsM.push(endM)
    curvatures.push(curvaturePerM)
    endM += lengthM
    return endM
  }

  let extend: () => number
  if (profile.kind === 'segments') {
    let i = 0
    extend = () => {
      const seg = profile.segments[i % profile.segments.length]
      i++
      return push(seg.lengthM, seg.curvaturePerM)
    }
  } else {
    const prng = createPrng(forkSeed(scenario.seed, 'road'))
    let wasStraight = false
    extend = () => {
      const lengthM = prng.uniform(profile.segmentLengthM.min, profile.segmentLengthM.max)
      // after a bend comes a straight (when straights are wanted at all): highway bends are separated
      const isStraight = !wasStraight && profile.straightFraction > 0 ? true : prng.next() < profile.straightFraction
      const sign = prng.next() < 0.5 ? -1 : 1
      const curvature = isStraight ? 0 : sign * prng.uniform(0.3, 1) * profile.maxCurvaturePerM
      wasStraight = isStraight
      return push(lengthM, curvature)
    }
  }

  const segmentIndex = (distanceM: number): number => {
    const d = Math.max(0, distanceM)
    for (let end = endM; end <= d; ) end = extend()
    let lo = 0
    let hi = startsM.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (startsM[mid] <= d) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  const curvatureAt = (distanceM: number): number => {
    const i = segmentIndex(distanceM)
    const target = curvatures[i]
    if (i === 0) return target
    const segLength = (i + 1 < startsM.length ? startsM[i + 1] : endM) - startsM[i]
    const rampM = Math.min(TRANSITION_M, segLength / 2)
    const into = Math.max(0, distanceM) - startsM[i]
    if (into >= rampM) return target
    const previous = curvatures[i - 1]
    return previous + (target - previous) * (into / rampM)
  }

  return {
    laneWidthM: scenario.road.laneWidthM,
    laneCount: scenario.road.laneCount,
    shoulderWidthM: scenario.road.shoulderWidthM,
    curvatureAt,
    isStraightAt: (distanceM) => curvatureAt(distanceM) === 0
  }
}
