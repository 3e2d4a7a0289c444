/**
 * Face tracking end to end: Debian Chromium's fake camera plays a clip made at test time, the renderer
 * tracks the face with @vladmandic/human (models served by the station), and the station stores the
 * features it receives over the session WebSocket. Detection takes seconds per frame on 2 CPU cores,
 * so each run analyses only a few frames (`?faceFrames=`).
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { chromium, expect, test, type Browser } from '@playwright/test'
import { eyeClosure, fallbackClosedRef } from '../../src/shared/eye-closure'
import { createFatigueEngine } from '../../src/station/fatigue/engine'
import { authHeader, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { ensureFaceClips } from '../helpers/face-clips'
import { waitForFaceRun, type FaceRun } from '../helpers/face-page'
import { chromiumArgs } from '../playwright.config'
import { STATION_HOOK_TIMEOUT_MS, startE2eStation, type E2eStation } from '../helpers/station-process'

interface StoredFaceEvent {
  id: number
  kind: string
  data: Record<string, unknown>
}

let station: E2eStation
let accessToken: string
let refreshToken: string
let sessionId: string

test.beforeAll(async () => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS)
  station = await startE2eStation(['--device', 'none'])
  const admin = await registerAndLogin(station.url, { role: 'admin' })
  accessToken = admin.accessToken
  refreshToken = admin.refreshToken
  const headers = { 'content-type': 'application/json', ...authHeader(accessToken) }
  const created = await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'face check', participant_code: 'P-FACE' }) })
  expect(created.status).toBe(201)
  sessionId = ((await created.json()) as { id: string }).id
  const started = await fetch(`${station.url}/api/v1/sessions/${sessionId}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })
  expect(started.status).toBe(200)
})

test.afterAll(async () => {
  await station?.stop()
})

function storedFaceEvents(afterId = 0): StoredFaceEvent[] {
  const db = new Database(join(station.dataDir, 'vigil.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('SELECT id, kind, data_json FROM face_events WHERE session_id = ? AND id > ? ORDER BY id').all(sessionId, afterId) as { id: number; kind: string; data_json: string }[]
    return rows.map((r) => ({ id: r.id, kind: r.kind, data: JSON.parse(r.data_json) as Record<string, unknown> }))
  } finally {
    db.close()
  }
}

/** Opens the participant's Drive page in a Chromium whose camera is `clip` (or no camera at all). */
async function drive(clip: string | null, frames: number): Promise<{ browser: Browser; run: FaceRun }> {
  const args = clip ? [...chromiumArgs, `--use-file-for-fake-video-capture=${clip}`] : chromiumArgs.filter((a) => !a.includes('fake-device'))
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args })
  const page = await browser.newPage()
  await signInBrowser(page, { accessToken, refreshToken })
  // The participant's default backend choice: with --disable-gpu there is no hardware WebGL, so WASM.
  await page.goto(`${station.url}/drive/${sessionId}?faceFrames=${frames}`)
  await expect(page.getByTestId('face-panel')).toBeVisible()
  return { browser, run: await waitForFaceRun(page, frames, 300_000) }
}

function meanEar(events: StoredFaceEvent[]): number {
  const frames = events.filter((e) => e.kind === 'frame' && e.data.facePresent === true)
  return frames.reduce((sum, e) => sum + ((e.data.earLeft as number) + (e.data.earRight as number)) / 2, 0) / frames.length
}

test('a face on camera reaches the station as features, and eye openness drops when the eyes close', async () => {
  test.setTimeout(360_000)
  const clips = ensureFaceClips()

  let t0 = Date.now()
  const { browser: open, run: openRun } = await drive(clips.eyesOpen, 3)
  expect(openRun.status).toBe('stopped')
  expect(openRun.detectMs).toHaveLength(3)
  // The participant's screen shows no tracker numbers; the backend that ran is on the status line's data-backend.
  expect(openRun.backend).toBe('wasm')
  expect(openRun.text).not.toMatch(/wasm|Hz/)
  console.log(`face e2e: eyes-open run took ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  await expect.poll(() => storedFaceEvents().filter((e) => e.kind === 'frame').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3)
  await open.close()
  const openEvents = storedFaceEvents()
  const openFrames = openEvents.filter((e) => e.kind === 'frame')
  expect(openFrames.every((e) => e.data.facePresent === true)).toBe(true)
  expect(openFrames.every((e) => typeof e.data.pitchDeg === 'number')).toBe(true)
  // The tracker reports which backend ran and the achieved rate (never images: no field carries pixels).
  const status = openEvents.find((e) => e.kind === 'status' && e.data.status === 'tracking')
  expect(status?.data.achievedHz).toBeGreaterThanOrEqual(0)
  expect(JSON.stringify(openEvents)).not.toMatch(/data:image|base64/)

  const lastOpenId = openEvents[openEvents.length - 1].id
  t0 = Date.now()
  const { browser: closed, run: closedRun } = await drive(clips.eyesClosed, 3)
  expect(closedRun.status).toBe('stopped')
  console.log(`face e2e: eyes-closed run took ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  await expect.poll(() => storedFaceEvents(lastOpenId).filter((e) => e.kind === 'frame').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3)
  await closed.close()
  const closedEvents = storedFaceEvents(lastOpenId)
  expect(closedEvents.filter((e) => e.kind === 'frame').some((e) => e.data.facePresent === true)).toBe(true)
  const openEar = meanEar(openEvents)
  const closedEar = meanEar(closedEvents)
  const closure = eyeClosure(closedEar, openEar, fallbackClosedRef(openEar))
  console.log(`face e2e: mean EAR eyes open ${openEar.toFixed(3)}, eyes closed ${closedEar.toFixed(3)}: closure ${closure.toFixed(2)} (fallback closed reference)`)
  expect(closedEar).toBeLessThan(openEar * 0.8)
  // Shut eyes must count as ≥ 80% closed (P80), with no eyes-closed calibration done.
  expect(closure).toBeGreaterThanOrEqual(0.8)
  // And PERCLOS rises on them: the station's engine fed the measured EARs at 10 Hz, 60 s open (its
  // baseline), then every 10 s three seconds with the eyes shut.
  const engine = createFatigueEngine({ alerts: { perclos: { warmupMs: 0 } } })
  const t0Ms = Date.UTC(2026, 0, 5, 9)
  const perclos: (number | null)[] = []
  for (let t = 0; t <= 120_000; t += 100) {
    const ear = t >= 60_000 && t % 10_000 < 3_000 ? closedEar : openEar
    const out = engine.pushFace({ type: 'frame', tMs: t0Ms + t, facePresent: true, eyeLeft: ear, eyeRight: ear })
    for (const u of out.updates) if ((u.tMs - t0Ms) % 20_000 === 0 && u.tMs - t0Ms >= 60_000) perclos.push(u.face?.perclosP80 ?? null)
  }
  console.log(`face e2e: PERCLOS P80 at 60, 80, 100 s: ${perclos.join(', ')}`)
  expect(perclos.length).toBeGreaterThanOrEqual(3)
  expect(perclos[1]!).toBeGreaterThan(perclos[0]!)
  expect(perclos[2]!).toBeGreaterThan(perclos[1]!)
})

test('without a camera the station is told so, not left in silence', async () => {
  test.setTimeout(120_000)
  const before = storedFaceEvents()
  const lastId = before.length > 0 ? before[before.length - 1].id : 0
  const { browser, run } = await drive(null, 1)
  expect(run.status).toBe('camera_unavailable')
  expect(run.detectMs).toHaveLength(0)
  await expect.poll(() => storedFaceEvents(lastId).map((e) => e.data.status), { timeout: 20_000 }).toContain('no_camera')
  await browser.close()
})
