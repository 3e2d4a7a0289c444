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
    // Half the open EAR, between open and the fallback closed reference (35% of open): closure 0.5 / 0.65.
    const half = tracker.update(observe(1100, 0.15, 0.14))
    expect(half.frame.eyeOpennessLeft).toBeCloseTo(1 - 0.5 / 0.65, 6)
    expect(half.frame.eyeOpennessRight).toBeCloseTo(1 - 0.5 / 0.65, 6)
    // Vigil's mesh with the eyes shut (0.115 of 0.375 open) reads fully closed, not 69%.
    const mesh = createFaceFeatureTracker({ baseline: { earLeft: 0.375, earRight: 0.375 } })
    expect(mesh.update(observe(0, 0.115, 0.115)).frame.eyeOpennessLeft).toBe(0)
  })

  it('learns the closed-eye reference in the eyes-closed step and maps openness between open and closed', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 }, closedCalibrationMs: 3000, closedSettleMs: 500 })
    tracker.beginClosedCalibration(10_000)
    const during = [10_000, 10_200, 10_600, 11_000, 12_000, 12_900].map((t) => tracker.update(observe(t, t < 10_500 ? 0.25 : 0.18, 0.18)))
    // No blink or closure is reported for closing the eyes on request, and openness is withheld meanwhile.
    expect(during.flatMap((d) => d.events)).toEqual([])
    expect(during.every((d) => d.frame.eyeOpennessLeft === null)).toBe(true)
    const end = tracker.update(observe(13_000, 0.3, 0.3))
    expect(end.closedCalibration).toEqual({ ok: true, closedEarLeft: expect.closeTo(0.18, 6), closedEarRight: expect.closeTo(0.18, 6) })
    expect(end.events).toEqual([
      { kind: 'calibrated', tMs: 13_000, baselineEarLeft: 0.3, baselineEarRight: 0.3, closedEarLeft: expect.closeTo(0.18, 6), closedEarRight: expect.closeTo(0.18, 6) }
    ])
    // 0.18 is now fully closed; 0.24 is half-way between the subject's open and closed eye.
    expect(tracker.update(observe(13_100, 0.18, 0.18)).frame.eyeOpennessLeft).toBeCloseTo(0, 6)
    expect(tracker.update(observe(13_200, 0.24, 0.24)).frame.eyeOpennessLeft).toBeCloseTo(0.5, 6)
  })

  it('reports no closure for the eyes closed on request, nor for the moment until they reopen after the tone', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 }, closedCalibrationMs: 3000, closedSettleMs: 500 })
    tracker.update(observe(9_900, 0.3, 0.3))
    tracker.beginClosedCalibration(10_000)
    const frames = [10_100, 10_600, 11_500, 12_500, 13_000, 13_300, 13_600, 14_000, 14_200, 14_300, 14_500].map((t) => tracker.update(observe(t, t < 13_600 ? 0.05 : 0.3, t < 13_600 ? 0.05 : 0.3)))
    // No blink or eye closure although the eyes were shut for 3.6 s.
    expect(frames.flatMap((f) => f.events).map((e) => e.kind)).toEqual(['calibrated'])
    // Frames of the requested closure go out without EAR (the station's engine recomputes closures from it).
    expect(frames.slice(0, 6).every((f) => f.frame.earLeft === undefined && f.frame.facePresent)).toBe(true)
    expect(frames[6].frame.earLeft).toBeCloseTo(0.3, 6)
    // Afterwards blinks count again.
    const blink = [tracker.update(observe(15_000, 0.05, 0.05)), tracker.update(observe(15_200, 0.3, 0.3))].flatMap((f) => f.events)
    expect(blink).toEqual([{ kind: 'blink', tMs: 15_000, durationMs: 200 }])
  })

  it('fails the eyes-closed step when the eyes stayed open, and keeps the fallback reference', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 }, closedCalibrationMs: 1000, closedSettleMs: 0 })
    tracker.beginClosedCalibration(0)
    for (const t of [0, 200, 400, 600]) tracker.update(observe(t, 0.29, 0.29))
    const end = tracker.update(observe(1000, 0.3, 0.3))
    expect(end.closedCalibration).toEqual({ ok: false, reason: 'eyes_not_closed' })
    expect(end.events).toEqual([])
    expect(tracker.baseline).toEqual({ earLeft: 0.3, earRight: 0.3 })
  })

  it('tells a blink from an eye closure by its duration: under 500 ms is a blink, as the fatigue engine counts it', () => {
    const tracker = createFaceFeatureTracker({ baseline: { earLeft: 0.3, earRight: 0.3 } })
    const events = [
      observe(0, 0.3, 0.3),
      observe(100, 0.05, 0.05),
      observe(250, 0.3, 0.3), // 150 ms closed: blink
      observe(400, 0.05, 0.05),
      observe(880, 0.3, 0.3), // 480 ms: still a blink
      observe(1000, 0.05, 0.05),
      observe(1500, 0.3, 0.3), // 500 ms: an eye closure
      observe(3000, 0.04, 0.04),
      observe(4300, 0.3, 0.3) // 1300 ms closed: eye closure (microsleep candidate)
    ].flatMap((o) => tracker.update(o).events)
    expect(events).toEqual([
      { kind: 'blink', tMs: 100, durationMs: 150 },
      { kind: 'blink', tMs: 400, durationMs: 480 },
      { kind: 'eye_closure', tMs: 1000, durationMs: 500 },
      { kind: 'eye_closure', tMs: 3000, durationMs: 1300 }
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
