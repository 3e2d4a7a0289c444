import { describe, expect, it } from 'vitest'
import { closureKind } from '../../../src/shared/eye-closure'
import { createRandom } from '../../../src/shared/random'
import { createFatigueEngine, type EngineOutput, type FatigueEngine } from '../../../src/station/fatigue/engine'
import type { FaceInput } from '../../../src/station/fatigue/types'

const T0 = 1_700_000_000_000
const FRAME_MS = 40 // 25 fps: every duration below is a whole number of frames
const OPEN_EAR = 0.3

function feed(inputs: FaceInput[]): EngineOutput {
  const engine = createFatigueEngine({ face: { baselineMs: 10_000 }, alerts: { perclos: { warmupMs: 0 } } })
  const out: EngineOutput = { updates: [], alerts: [] }
  for (const input of inputs) {
    const r = engine.pushFace(input)
    out.updates.push(...r.updates)
    out.alerts.push(...r.alerts)
  }
  const r = engine.finish()
  out.updates.push(...r.updates)
  out.alerts.push(...r.alerts)
  return out
}

/** Frames from `fromMs` for `durationMs`, with EAR given by `earAt(t)` (both eyes). */
function frames(fromMs: number, durationMs: number, earAt: (tMs: number) => number, extra: Partial<Extract<FaceInput, { type: 'frame' }>> = {}): FaceInput[] {
  const out: FaceInput[] = []
  for (let t = fromMs; t < fromMs + durationMs; t += FRAME_MS) {
    const ear = earAt(t)
    out.push({ type: 'frame', tMs: T0 + t, facePresent: true, eyeLeft: ear, eyeRight: ear, ...extra })
  }
  return out
}

/** EAR of a subject whose eyes close only to 55% of open, for 6 s from 20 s. */
const shallowClosure = (t: number) => (t >= 20_000 && t < 26_000 ? OPEN_EAR * 0.55 : OPEN_EAR)

/** 40 s of frames with a 3-s closure to 15% of the open EAR; the face metrics at 40 s. */
function faceAt40s(openEar: number) {
  return feed(frames(0, 40_000, (t) => (t >= 20_000 && t < 23_000 ? openEar * 0.15 : openEar))).updates.find((u) => u.tMs === T0 + 40_000)!.face!
}

describe('face metrics', () => {
  it('computes PERCLOS, blinks and long closures of a sequence with known answers', () => {
    // 10 s of open eyes (baseline), then one minute with 3 closures of 2 s (EAR 3% of baseline: 90% closed)
    // and 10 blinks of 200 ms at 60% of the open EAR: closure (1 − 0.6) / (1 − 0.35) ≈ 0.62 between the open
    // and the fallback closed reference, a blink but not "≥ 80% closed".
    const closures = [15_000, 35_000, 55_000]
    const blinks = Array.from({ length: 10 }, (_, i) => 13_500 + i * 5_000)
    const ear = (t: number) => {
      if (closures.some((c) => t >= c && t < c + 2000)) return OPEN_EAR * 0.1
      if (blinks.some((b) => t >= b && t < b + 200)) return OPEN_EAR * 0.6
      return OPEN_EAR
    }
    const { updates, alerts } = feed(frames(0, 70_000, ear))
    const at70 = updates.find((u) => u.tMs === T0 + 70_000)!.face!
    expect(at70.baselineReady).toBe(true)
    expect(at70.perclosP80).toBeCloseTo(6000 / 60_000, 9)
    expect(at70.perclosP70).toBeCloseTo(6000 / 60_000, 9)
    expect(at70.facePresentFraction).toBeCloseTo(1, 9)
    expect(at70.longClosures).toBe(3)
    expect(at70.maxClosureMs).toBe(2000)
    expect(at70.blinksPerMin).toBeCloseTo(10, 9)
    expect(at70.meanBlinkDurationMs).toBeCloseTo(200, 9)
    // A closure becomes a warning at 1 s and escalates to severe at 1.5 s; the one at 35 s falls in the 30-s refractory period.
    const microsleeps = alerts.filter((a) => a.type === 'microsleep').map((a) => [a.tMs - T0, a.severity])
    expect(microsleeps).toEqual([[16_000, 'warning'], [17_000, 'severe'], [56_000, 'warning'], [57_000, 'severe']])
    // PERCLOS 10% reaches the warning threshold and must be held 30 s first.
    const perclos = alerts.filter((a) => a.type === 'perclos')
    expect(perclos.every((a) => a.severity === 'warning')).toBe(true)
  })

  it('normalises to the subject: the same relative closure gives the same PERCLOS whatever the EAR scale', () => {
    const dlib = faceAt40s(0.27)
    const mesh = faceAt40s(0.38)
    // Baseline frames count too once the baseline is known: 3 s closed of 40 s seen.
    expect(dlib.perclosP80).toBeCloseTo(3000 / 40_000, 9)
    expect(mesh.perclosP80).toBeCloseTo(dlib.perclosP80!, 12)
  })

  it("fires PERCLOS with Vigil's own face mesh: shut eyes read EAR 0.115 against 0.375 open, which is ≥ 80% closed", () => {
    // The face e2e's clips: open 0.375, eyes painted shut 0.115. `1 − EAR / open` gives only 0.69 for them.
    const OPEN = 0.375
    const SHUT = 0.115
    // 10 s baseline, then a drowsy stretch: each 10 s holds 2 s with the eyes shut (PERCLOS 20%).
    const { updates, alerts } = feed(frames(0, 100_000, (t) => (t >= 10_000 && t % 10_000 >= 8_000 ? SHUT : OPEN)))
    const at = (s: number) => updates.find((u) => u.tMs === T0 + s * 1000)!.face!
    expect(at(70).perclosP80).toBeCloseTo(0.2, 9)
    expect(at(40).perclosP80!).toBeGreaterThan(at(20).perclosP80!)
    expect(at(70).longClosures).toBe(6)
    expect(alerts.filter((a) => a.type === 'perclos').map((a) => a.severity)).toContain('severe')
  })

  it("maps closure between the tracker's open and closed calibration when there is one", () => {
    // A subject whose eyes only close to 55% of open EAR: 0.69 closed against the fallback reference,
    // fully closed against their own calibration.
    const withoutCalibration = feed(frames(0, 40_000, shallowClosure)).updates.find((u) => u.tMs === T0 + 40_000)!.face!
    expect(withoutCalibration.perclosP80).toBe(0)
    const calibration: FaceInput = { type: 'closed_calibration', tMs: T0 + 5_000, closedRatioLeft: 0.55, closedRatioRight: 0.55 }
    const inputs = frames(0, 40_000, shallowClosure)
    inputs.splice(125, 0, calibration)
    const calibrated = feed(inputs).updates.find((u) => u.tMs === T0 + 40_000)!.face!
    expect(calibrated.perclosP80).toBeCloseTo(6000 / 40_000, 9)
  })

  it('calls a closure a blink below 500 ms and an eye closure from 500 ms, as the tracker does', () => {
    // After a 10-s baseline: closures of 200, 480, 520, 800 and 1200 ms.
    const starts = [12_000, 16_000, 20_000, 24_000, 28_000]
    const lengths = [200, 480, 520, 800, 1200]
    const ear = (t: number) => (starts.some((s, i) => t >= s && t < s + lengths[i]) ? OPEN_EAR * 0.1 : OPEN_EAR)
    const face = feed(frames(0, 40_000, ear)).updates.find((u) => u.tMs === T0 + 40_000)!.face!
    expect(face.blinksPerMin).toBeCloseTo((2 * 60_000) / 40_000, 9)
    expect(face.meanBlinkDurationMs).toBeCloseTo(340, 9)
    expect(face.longClosures).toBe(1)
    expect(lengths.map((l) => closureKind(l))).toEqual(['blink', 'blink', 'eye_closure', 'eye_closure', 'eye_closure'])
  })

  it('does not count a lost face as closed eyes', () => {
    const inputs = [
      ...frames(0, 20_000, () => OPEN_EAR),
      ...Array.from({ length: 250 }, (_, i) => ({ type: 'frame' as const, tMs: T0 + 20_000 + i * FRAME_MS, facePresent: false })),
      ...frames(30_000, 10_000, () => OPEN_EAR)
    ]
    const face = feed(inputs).updates.find((u) => u.tMs === T0 + 40_000)!.face!
    expect(face.perclosP80).toBe(0)
    expect(face.facePresentFraction).toBeCloseTo(30_000 / 60_000, 9)
    expect(face.longClosures).toBe(0)
  })

  it('counts yawns from mouth opening held ≥ 1.5 s, and head nods from pitch excursions', () => {
    const inputs = frames(0, 60_000, () => OPEN_EAR).map((f) => {
      const t = (f.tMs - T0)
      const mouth = (t >= 20_000 && t < 22_000) || (t >= 40_000 && t < 43_000) ? 0.8 : t >= 30_000 && t < 30_800 ? 0.8 : 0.1
      const pitchDeg = (t >= 25_000 && t < 26_000) || (t >= 45_000 && t < 45_600) ? -20 : t >= 50_000 && t < 54_000 ? -25 : 2
      return { ...f, mouth, pitchDeg }
    })
    const face = feed(inputs).updates.find((u) => u.tMs === T0 + 60_000)!.face!
    // Two yawns (the 0.8-s opening is speech) in the 5-min yawn window.
    expect(face.yawnsPerMin).toBeCloseTo(2 / 5, 9)
    // Two nods; the 4-s head-down period is not a nod.
    expect(face.headNodsPerMin).toBeCloseTo(2, 9)
  })
})

describe('arrival order', () => {
  it('gives the same updates when face and game events arrive out of order by less than the holdback', () => {
    const random = createRandom(5)
    type Arrival = { tMs: number; arrivalMs: number; push: (e: FatigueEngine) => EngineOutput }
    const inputs: Arrival[] = []
    for (const f of frames(0, 90_000, (t) => (t % 20_000 < 1500 ? OPEN_EAR * 0.1 : OPEN_EAR), { mouth: 0.1, pitchDeg: 1 })) {
      inputs.push({ tMs: f.tMs, arrivalMs: f.tMs + random() * 1000, push: (e) => e.pushFace(f) })
    }
    for (let t = 0; t < 90_000; t += 100) {
      const lane = { type: 'lane' as const, tMs: T0 + t, laneOffsetM: 0.2 * Math.sin(t / 1500), steeringDeg: 5 * Math.sin(t / 900), isStraight: true }
      inputs.push({ tMs: lane.tMs, arrivalMs: lane.tMs + random() * 1000, push: (e) => e.pushGame(lane) })
    }
    const departure = { type: 'lane_departure' as const, tMs: T0 + 30_000 }
    inputs.push({ tMs: departure.tMs, arrivalMs: departure.tMs + 900, push: (e) => e.pushGame(departure) })
    const inTimeOrder = runInOrder([...inputs].sort((a, b) => a.tMs - b.tMs))
    const asArrived = runInOrder([...inputs].sort((a, b) => a.arrivalMs - b.arrivalMs))
    expect(inTimeOrder.updates.length).toBe(91)
    expect(inTimeOrder.alerts.map((a) => a.type)).toContain('lane_departure')
    expect(JSON.stringify(asArrived)).toBe(JSON.stringify(inTimeOrder))
  })
})

function runInOrder(order: { push: (e: FatigueEngine) => EngineOutput }[]): EngineOutput {
  const engine = createFatigueEngine({ baselineMs: 20_000, face: { baselineMs: 10_000 } })
  const out: EngineOutput = { updates: [], alerts: [] }
  for (const r of [...order.map((i) => i.push(engine)), engine.finish()]) {
    out.updates.push(...r.updates)
    out.alerts.push(...r.alerts)
  }
  return out
}
