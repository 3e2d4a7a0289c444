import { describe, expect, it } from 'vitest'
import {
  createFaceFeatureTracker,
  EYE_LANDMARKS,
  eyeAspectRatio,
  MOUTH_LANDMARKS,
  mouthAspectRatio,
  type FaceObservation,
  type Point
} from '../../../src/renderer/src/face/features'

/** A 478-point mesh with eyes of the given aspect ratio and a mouth of the given opening ratio. */
function meshWith(earLeft: number, earRight: number, mar = 0.05): Point[] {
  const mesh: Point[] = Array.from({ length: 478 }, () => [0, 0, 0] as Point)
  const eye = (indices: readonly number[], cx: number, ear: number) => {
    const [p1, p2, p3, p4, p5, p6] = indices
    const halfHeight = ear * 20 // width 40 → EAR = 2h / (2·40)·... : vertical distance = 2·halfHeight
    mesh[p1] = [cx - 20, 100]
    mesh[p4] = [cx + 20, 100]
    mesh[p2] = [cx - 7, 100 - halfHeight]
    mesh[p6] = [cx - 7, 100 + halfHeight]
    mesh[p3] = [cx + 7, 100 - halfHeight]
    mesh[p5] = [cx + 7, 100 + halfHeight]
  }
  eye(EYE_LANDMARKS.left, 60, earLeft)
  eye(EYE_LANDMARKS.right, 140, earRight)
  mesh[MOUTH_LANDMARKS.corners[0]] = [70, 200]
  mesh[MOUTH_LANDMARKS.corners[1]] = [130, 200]
  for (const [a, b] of MOUTH_LANDMARKS.pairs) {
    mesh[a] = [100, 200 - (mar * 60) / 2]
    mesh[b] = [100, 200 + (mar * 60) / 2]
  }
  return mesh
}

function observe(tMs: number, earLeft: number, earRight: number, mar = 0.05): FaceObservation {
  const mesh = meshWith(earLeft, earRight, mar)
  return { tMs, facePresent: true, earLeft: eyeAspectRatio(mesh, 'left'), earRight: eyeAspectRatio(mesh, 'right'), mar: mouthAspectRatio(mesh) }
}

describe('eye and mouth aspect ratios', () => {
  it('computes EAR and MAR from the mesh geometry', () => {
    const mesh = meshWith(0.3, 0.15, 0.6)
    expect(eyeAspectRatio(mesh, 'left')).toBeCloseTo(0.3, 6)
    expect(eyeAspectRatio(mesh, 'right')).toBeCloseTo(0.15, 6)
    expect(mouthAspectRatio(mesh)).toBeCloseTo(0.6, 6)
  })
})

describe('face feature tracker', () => {
  it('learns the open-eye baseline, then reports openness relative to it', () => {
    const tracker = createFaceFeatureTracker({ calibrationMs: 1000 })
    const first = tracker.update(observe(0, 0.3, 0.28))
    expect(first.frame.calibrated).toBe(false)
    expect(first.frame.eyeOpennessLeft).toBeNull()
    tracker.update(observe(500, 0.3, 0.28))
    const done = tracker.update(observe(1000, 0.3, 0.28))
    expect(done.events).toEqual([{ kind: 'calibrated', tMs: 1000, baselineEarLeft: expect.closeTo(0.3, 6), baselineEarRight: expect.closeTo(0.28, 6) }])
    const half = tracker.update(observe(1100, 0.15, 0.14))
    expect(half.frame.eyeOpennessLeft).toBeCloseTo(0.5, 6)
    expect(half.frame.eyeOpennessRight).toBeCloseTo(0.5, 6)
  })

  it('tells a blink from a long eye closure by its duration', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 } })
    const events = [
      observe(0, 0.3, 0.3),
      observe(100, 0.05, 0.05),
      observe(250, 0.3, 0.3), // 150 ms closed: blink
      observe(1000, 0.04, 0.04),
      observe(2300, 0.3, 0.3) // 1300 ms closed: eye closure (microsleep candidate)
    ].flatMap((o) => tracker.update(o).events)
    expect(events).toEqual([
      { kind: 'blink', tMs: 100, durationMs: 150 },
      { kind: 'eye_closure', tMs: 1000, durationMs: 1300 }
    ])
  })

  it('reports a yawn only when the mouth stays wide open long enough', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 } })
    const events = [
      observe(0, 0.3, 0.3, 0.7),
      observe(500, 0.3, 0.3, 0.05), // talking: too short
      observe(1000, 0.3, 0.3, 0.8),
      observe(3000, 0.3, 0.3, 0.8),
      observe(3200, 0.3, 0.3, 0.1)
    ].flatMap((o) => tracker.update(o).events)
    expect(events).toEqual([{ kind: 'yawn', tMs: 1000, durationMs: 2200 }])
  })

  it('invents nothing when the face is lost: no openness, no blink', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 } })
    tracker.update(observe(0, 0.05, 0.05))
    const lost = tracker.update({ tMs: 200, facePresent: false })
    expect(lost.frame.eyeOpennessLeft).toBeNull()
    const back = tracker.update(observe(400, 0.3, 0.3))
    expect(lost.events).toEqual([])
    expect(back.events).toEqual([])
  })
})
