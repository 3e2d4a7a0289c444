/**
 * Face features from a 478-point MediaPipe-style face mesh (as @vladmandic/human returns it), pure and
 * deterministic so they are unit-tested without a browser.
 *
 * Eye aspect ratio (EAR, Soukupová & Čech 2016) from six landmarks per eye:
 *   EAR = (|p2 − p6| + |p3 − p5|) / (2 |p1 − p4|)
 * Absolute EAR differs between models and people, and a shut eye does not read 0 on a face mesh, so
 * openness is mapped between the subject's own open-eye baseline (median EAR of the first seconds with
 * a face) and closed-eye reference (an eyes-closed calibration step, else a documented share of open):
 * `eyeClosure` and the blink definition in src/shared/eye-closure.ts, which the station's engine uses too.
 */
import { closureKind, EPISODE_END_CLOSURE, EPISODE_START_CLOSURE, eyeClosure, fallbackClosedRef } from '@shared/eye-closure'

export type Point = readonly [number, number, number?]

/** tfjs backends the renderer's face tracker can run on (`?faceBackend=` forces one). */
export const FACE_BACKENDS = ['webgl', 'wasm', 'cpu'] as const
export type FaceBackend = (typeof FACE_BACKENDS)[number]
/** User Timing name of each detector call in the renderer's tracker: DevTools shows it, tests and bench/face read it. */
export const FACE_DETECT_MEASURE = 'vigil.face.detect'

/** What WebGL the browser offers: a GPU, a software rasteriser (SwiftShader, llvmpipe), or none. */
export type WebGlKind = 'hardware' | 'software' | 'none'

/**
 * Backends to try, best first. A real GPU makes WebGL fastest; without one, tfjs' WASM backend (SIMD)
 * beats WebGL on a software rasteriser and the plain-JS CPU backend by several times (bench/face).
 */
export function faceBackendOrder(forced: FaceBackend | undefined, webGl: WebGlKind): FaceBackend[] {
  if (forced) return forced === 'cpu' ? ['cpu'] : [forced, 'cpu']
  if (webGl === 'hardware') return ['webgl', 'wasm', 'cpu']
  return webGl === 'software' ? ['wasm', 'webgl', 'cpu'] : ['wasm', 'cpu']
}

/** Mesh indices of the six EAR points, p1..p6, for each eye (MediaPipe FaceMesh topology). */
export const EYE_LANDMARKS = {
  left: [33, 160, 158, 133, 153, 144],
  right: [362, 385, 387, 263, 373, 380]
} as const

/** Inner-lip landmarks: corners, then three upper/lower pairs. */
export const MOUTH_LANDMARKS = { corners: [78, 308], pairs: [[82, 87], [13, 14], [312, 317]] } as const

function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1])
}

export function eyeAspectRatio(mesh: readonly Point[], eye: 'left' | 'right'): number {
  const [p1, p2, p3, p4, p5, p6] = EYE_LANDMARKS[eye].map((i) => mesh[i])
  const width = distance(p1, p4)
  return width === 0 ? 0 : (distance(p2, p6) + distance(p3, p5)) / (2 * width)
}

/** Mean inner-lip opening over mouth width: ~0 closed, ≥ 0.5 wide open (yawn). */
export function mouthAspectRatio(mesh: readonly Point[]): number {
  const width = distance(mesh[MOUTH_LANDMARKS.corners[0]], mesh[MOUTH_LANDMARKS.corners[1]])
  if (width === 0) return 0
  const opening = MOUTH_LANDMARKS.pairs.reduce((sum, [a, b]) => sum + distance(mesh[a], mesh[b]), 0) / MOUTH_LANDMARKS.pairs.length
  return opening / width
}

/** One analysed camera frame. */
export interface FaceObservation {
  tMs: number
  facePresent: boolean
  earLeft?: number
  earRight?: number
  mar?: number
  pitchDeg?: number
  yawDeg?: number
  rollDeg?: number
}

/** What the tracker reports per frame: raw ratios plus openness 1 (open reference) … 0 (closed reference), null while calibrating. */
export interface FaceFrameFeatures extends FaceObservation {
  eyeOpennessLeft: number | null
  eyeOpennessRight: number | null
  calibrated: boolean
}

export type FaceFeatureEvent =
  | { kind: 'blink'; tMs: number; durationMs: number }
  | { kind: 'eye_closure'; tMs: number; durationMs: number }
  | { kind: 'yawn'; tMs: number; durationMs: number }
  | { kind: 'calibrated'; tMs: number; baselineEarLeft: number; baselineEarRight: number; closedEarLeft?: number; closedEarRight?: number }

/** Outcome of the eyes-closed calibration step. */
export type ClosedCalibrationResult =
  | { ok: true; closedEarLeft: number; closedEarRight: number }
  | { ok: false; reason: 'no_open_baseline' | 'too_few_frames' | 'eyes_not_closed' }

export interface FaceFeatureOptions {
  /** Time with a face needed to learn the open-eye baseline. */
  calibrationMs: number
  /** Minimum frames for a baseline (slow hardware may give few frames). */
  calibrationMinFrames: number
  /**
   * Eyes-closed step, from the participant's click: the first `closedSettleMs` are the on-screen countdown
   * and the lids closing (not measured, but not counted as closures either), then eyes closed until
   * `closedCalibrationMs`.
   */
  closedCalibrationMs: number
  closedSettleMs: number
  /** The closed EAR must be below this share of open, or the eyes did not close and the step failed. */
  maxClosedShareOfOpen: number
  /** Mouth aspect ratio above which the mouth is wide open, and how long that must last to be a yawn. */
  yawnMar: number
  minYawnMs: number
  /** A known baseline (e.g. from an earlier calibration of this subject) skips calibration. */
  baseline?: { earLeft: number; earRight: number; closedEarLeft?: number; closedEarRight?: number }
}

export const DEFAULT_FACE_FEATURE_OPTIONS: FaceFeatureOptions = {
  calibrationMs: 5000,
  calibrationMinFrames: 3,
  closedCalibrationMs: 6000,
  closedSettleMs: 3500,
  maxClosedShareOfOpen: 0.8,
  yawnMar: 0.5,
  minYawnMs: 1500
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export interface FaceFeatureTracker {
  readonly baseline: { earLeft: number; earRight: number; closedEarLeft?: number; closedEarRight?: number } | null
  /** Starts the eyes-closed step at `tMs`; the frames of the next `closedCalibrationMs` are its data. */
  beginClosedCalibration(tMs: number): void
  update(observation: FaceObservation): { frame: FaceFrameFeatures; events: FaceFeatureEvent[]; closedCalibration?: ClosedCalibrationResult }
}

export function createFaceFeatureTracker(options: Partial<FaceFeatureOptions> = {}): FaceFeatureTracker {
  const opts = { ...DEFAULT_FACE_FEATURE_OPTIONS, ...options }
  let baseline: { earLeft: number; earRight: number; closedEarLeft?: number; closedEarRight?: number } | null = opts.baseline ?? null
  const calibration: { tMs: number; left: number; right: number }[] = []
  let closedStep: { startMs: number; left: number[]; right: number[] } | null = null
  // After the step, until the eyes have reopened (at most `closedCalibrationMs`): still a requested closure.
  let reopenDeadlineMs: number | null = null
  let closedSinceMs: number | null = null

  const closedRefs = (b: NonNullable<typeof baseline>) => ({
    left: b.closedEarLeft ?? fallbackClosedRef(b.earLeft),
    right: b.closedEarRight ?? fallbackClosedRef(b.earRight)
  })

  function finishClosedStep(): ClosedCalibrationResult {
    const step = closedStep!
    closedStep = null
    if (!baseline) return { ok: false, reason: 'no_open_baseline' }
    if (step.left.length < opts.calibrationMinFrames) return { ok: false, reason: 'too_few_frames' }
    const closedEarLeft = median(step.left)
    const closedEarRight = median(step.right)
    if (closedEarLeft >= baseline.earLeft * opts.maxClosedShareOfOpen || closedEarRight >= baseline.earRight * opts.maxClosedShareOfOpen) return { ok: false, reason: 'eyes_not_closed' }
    baseline = { ...baseline, closedEarLeft, closedEarRight }
    return { ok: true, closedEarLeft, closedEarRight }
  }
  let mouthOpenSinceMs: number | null = null

  return {
    get baseline() {
      return baseline
    },
    beginClosedCalibration(tMs) {
      closedStep = { startMs: tMs, left: [], right: [] }
      closedSinceMs = null
      reopenDeadlineMs = null
    },
    update(observation) {
      const events: FaceFeatureEvent[] = []
      const { tMs } = observation
      const hasEyes = observation.facePresent && observation.earLeft !== undefined && observation.earRight !== undefined
      let closedCalibration: ClosedCalibrationResult | undefined
      // Eyes closed on request are neither blinks nor microsleeps: while the step runs and until the eyes
      // reopen, frames go out without EAR or openness, so neither this tracker nor the station's engine
      // (which recomputes closures from EAR) counts them; the face itself is still reported.
      const requested = { ...observation, earLeft: undefined, earRight: undefined, eyeOpennessLeft: null, eyeOpennessRight: null }
      if (closedStep) {
        if (tMs >= closedStep.startMs + opts.closedCalibrationMs) {
          reopenDeadlineMs = tMs + opts.closedCalibrationMs
          closedCalibration = finishClosedStep()
          if (closedCalibration.ok && baseline) {
            events.push({ kind: 'calibrated', tMs, baselineEarLeft: baseline.earLeft, baselineEarRight: baseline.earRight, closedEarLeft: closedCalibration.closedEarLeft, closedEarRight: closedCalibration.closedEarRight })
          }
        } else {
          if (hasEyes && tMs >= closedStep.startMs + opts.closedSettleMs) {
            closedStep.left.push(observation.earLeft!)
            closedStep.right.push(observation.earRight!)
          }
          return { frame: { ...requested, calibrated: baseline !== null }, events }
        }
      }
      if (reopenDeadlineMs !== null) {
        const refs = baseline ? closedRefs(baseline) : null
        const isOpen =
          hasEyes && baseline && refs
            ? (eyeClosure(observation.earLeft!, baseline.earLeft, refs.left) + eyeClosure(observation.earRight!, baseline.earRight, refs.right)) / 2 < EPISODE_END_CLOSURE
            : false
        if (isOpen || tMs >= reopenDeadlineMs) reopenDeadlineMs = null
        else return { frame: { ...requested, calibrated: baseline !== null }, events, ...(closedCalibration ? { closedCalibration } : {}) }
      }
      if (!baseline && hasEyes) {
        calibration.push({ tMs, left: observation.earLeft!, right: observation.earRight! })
        if (calibration.length >= opts.calibrationMinFrames && tMs - calibration[0].tMs >= opts.calibrationMs) {
          baseline = { earLeft: median(calibration.map((c) => c.left)), earRight: median(calibration.map((c) => c.right)) }
          events.push({ kind: 'calibrated', tMs, baselineEarLeft: baseline.earLeft, baselineEarRight: baseline.earRight })
        }
      }
      const refs = baseline ? closedRefs(baseline) : null
      const opennessLeft = baseline && refs && hasEyes ? 1 - eyeClosure(observation.earLeft!, baseline.earLeft, refs.left) : null
      const opennessRight = baseline && refs && hasEyes ? 1 - eyeClosure(observation.earRight!, baseline.earRight, refs.right) : null

      if (opennessLeft !== null && opennessRight !== null) {
        const closure = 1 - (opennessLeft + opennessRight) / 2
        if (closedSinceMs === null && closure >= EPISODE_START_CLOSURE) closedSinceMs = tMs
        else if (closedSinceMs !== null && closure < EPISODE_END_CLOSURE) {
          const durationMs = tMs - closedSinceMs
          events.push({ kind: closureKind(durationMs), tMs: closedSinceMs, durationMs })
          closedSinceMs = null
        }
      } else if (!observation.facePresent) {
        // A lost face ends nothing and starts nothing: we cannot tell closed eyes from a turned head.
        closedSinceMs = null
      }

      if (observation.facePresent && observation.mar !== undefined) {
        if (mouthOpenSinceMs === null && observation.mar > opts.yawnMar) mouthOpenSinceMs = tMs
        else if (mouthOpenSinceMs !== null && observation.mar <= opts.yawnMar) {
          const durationMs = tMs - mouthOpenSinceMs
          if (durationMs >= opts.minYawnMs) events.push({ kind: 'yawn', tMs: mouthOpenSinceMs, durationMs })
          mouthOpenSinceMs = null
        }
      }

      return {
        frame: { ...observation, eyeOpennessLeft: opennessLeft, eyeOpennessRight: opennessRight, calibrated: baseline !== null },
        events,
        ...(closedCalibration ? { closedCalibration } : {})
      }
    }
  }
}
