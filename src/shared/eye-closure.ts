/**
 * Eye closure and blinks, defined once for the browser's face tracker (exported `blink` /
 * `eye_closure` events) and the station's fatigue engine (PERCLOS, blink rate, long closures).
 * docs/fatigue.md cites the sources; shared/reference/fatigue.md §2.1-2.3.
 */

/**
 * Closed-eye EAR as a share of the subject's open-eye EAR, used when the eyes-closed calibration step
 * was skipped. Measured with Vigil's face mesh (Human 3.3.6, 478 points): open 0.375, eyes shut 0.115
 * in the face e2e clips (0.31), 0.13-0.17 against 0.35-0.39 in the reference run (0.38-0.42). 0.35 sits
 * in that range, so a shut eye maps to closure ≥ 0.8 with either clip. dlib's 68-point model reads
 * lower closed values (EAR → ~0.05), which this maps to full closure as well.
 */
export const FALLBACK_CLOSED_EYE_RATIO = 0.35

/**
 * Eyelid closure 0 (open reference) … 1 (closed reference), mapped linearly between the subject's own
 * open and closed eye aspect ratios, clamped. EAR does not reach 0 for a shut eye with a face mesh
 * (Soukupová & Čech's EAR assumes the lids meet), so `1 − EAR / open` would never reach P80's 0.8.
 * Works on any scale (raw EAR or openness relative to open), as long as all three share it.
 */
export function eyeClosure(value: number, openRef: number, closedRef: number): number {
  const span = openRef - closedRef
  if (!(span > 0)) return value < openRef ? 1 : 0
  return Math.min(1, Math.max(0, (openRef - value) / span))
}

/** The closed reference when only the open one is known. */
export function fallbackClosedRef(openRef: number): number {
  return openRef * FALLBACK_CLOSED_EYE_RATIO
}

/**
 * A closure episode starts when closure reaches 0.5 (half-way between the subject's open and closed
 * eye) and ends when it falls below 0.3 again; the gap between the two keeps landmark jitter from
 * splitting one closure into several.
 */
export const EPISODE_START_CLOSURE = 0.5
export const EPISODE_END_CLOSURE = 0.3

/**
 * A blink is a closure episode shorter than 500 ms; 500 ms or longer is an eye closure. Spontaneous
 * blinks last about 100-400 ms and lengthen with drowsiness (Caffier et al. 2003; Schleicher et al.
 * 2008); closures of 0.5 s and longer are reported apart from blinks (reference §2.3 recommendation).
 */
export const BLINK_MAX_MS = 500
/** An eye closure of 1 s or more is a microsleep candidate (reference §2.3, §4.4). */
export const MICROSLEEP_CANDIDATE_MS = 1000

export type ClosureKind = 'blink' | 'eye_closure'

export function closureKind(durationMs: number): ClosureKind {
  return durationMs < BLINK_MAX_MS ? 'blink' : 'eye_closure'
}
