/**
 * The driving game end to end: a real station, a researcher's session recording the pvt-10min
 * scenario, the participant's /drive page in Chromium, the operator's Drive control in the live view
 * (its commands travel over the session WebSocket). Keyboard driving for a few seconds must land in the station's SQLite as telemetry at
 * ≥ 20 Hz, a stimulus, and a response whose performance.now() reaction time is plausible.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { WebSocket } from 'ws'
import { expect, test } from '@playwright/test'
import { authHeader, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import type { InputLogEntry } from '../../src/shared/game/events'
import { replayDrive, type InputLog } from '../../src/renderer/src/game/sim'
import { scenarioSchema } from '../../src/shared/schemas/scenario'
import { STATION_HOOK_TIMEOUT_MS, startE2eStation, type E2eStation } from '../helpers/station-process'

let station: E2eStation
test.beforeAll(async () => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS)
  station = await startE2eStation()
})
test.afterAll(async () => {
  await station?.stop()
})

interface Envelope {
  tMs: number
  event: { kind: string; [key: string]: unknown }
}

/** A script on the session WebSocket collecting the broadcast game events (as a researcher's client would). */
async function openObserver(url: string, sessionId: string, token: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/ws/session/${sessionId}?token=${encodeURIComponent(token)}`)
  const received: Envelope[] = []
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; events?: Envelope[] }
    if (message.type === 'game.events') received.push(...message.events!)
  })
  await new Promise<void>((onOpen, reject) => {
    socket.once('open', () => onOpen())
    socket.once('error', reject)
  })
  return { received, close: () => socket.close() }
}

/** Events by step time and kind, less the browser-measured RT that a replay cannot know. */
function ordered(events: Record<string, unknown>[]): Record<string, unknown>[] {
  return events.map(({ reactionTimeMs: _rt, ...rest }) => rest).sort((a, b) => (String(a.tMs).padStart(20) + String(a.kind)).localeCompare(String(b.tMs).padStart(20) + String(b.kind)))
}

/**
 * The replayed events equal the stored ones, less the browser-measured RT that a replay cannot know.
 * Numbers are compared to 1e-9 relative: Chromium's V8 and Node's may differ in the last bit of
 * Math.sin/cos/tan (ECMAScript leaves them implementation-approximated), so a replay in Node matches
 * the browser's drive to ~1e-16, not bit for bit. Within one engine replays are bit-exact (unit-tested).
 */
function expectSameEvents(replayed: Record<string, unknown>[], stored: Record<string, unknown>[]): void {
  const [got, want] = [ordered(replayed), ordered(stored)]
  expect(got.map((e) => `${String(e.kind)}@${String(e.tMs)}`)).toEqual(want.map((e) => `${String(e.kind)}@${String(e.tMs)}`))
  const mismatches: string[] = []
  const compare = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === 'number' && typeof b === 'number') {
      if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) mismatches.push(`${path}: ${a} vs ${b}`)
    } else if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)])
      for (const k of keys) compare((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`)
    } else if (a !== b) mismatches.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
  got.forEach((e, i) => compare(e, want[i], `${String(e.kind)}@${String(e.tMs)}`))
  expect(mismatches.slice(0, 10)).toEqual([])
}

test('keyboard driving reaches the station: telemetry ≥ 20 Hz, a stimulus and a response with a plausible reaction time', async ({ page, context, browser }) => {
  // two pages (the live view draws EEG traces) on a shared 2-core machine
  test.setTimeout(180_000)
  const researcher = await registerAndLogin(station.url, { role: 'researcher' })
  const headers = { 'content-type': 'application/json', ...authHeader(researcher.accessToken) }
  const created = await fetch(`${station.url}/api/v1/sessions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'game e2e', participant_code: 'P-GAME', scenario: { id: 'pvt-10min', seed: 1010 } })
  })
  expect(created.status).toBe(201)
  const sessionId = ((await created.json()) as { id: string }).id
  const recording = await fetch(`${station.url}/api/v1/sessions/${sessionId}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })
  expect(recording.status).toBe(200)

  // the participant screen and the operator's live view (its own window, so neither is a background
  // tab whose animation frames get throttled) are signed in as the researcher (the lab's own machine)
  const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  for (const c of [context, operatorContext]) {
    await signInBrowser(c, researcher)
  }
  await page.setViewportSize({ width: 1280, height: 720 })
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`))
  // the operator's live view (with the Drive control) and a script watching the session's game events
  // are open before the participant screen, so both see it announce itself
  const live = await operatorContext.newPage()
  await live.goto(`${station.url}/sessions/${sessionId}/live`)
  const control = live.getByTestId('drive-control')
  await expect(control).toBeVisible({ timeout: 30_000 })
  const observer = await openObserver(station.url, sessionId, researcher.accessToken)
  await page.goto(`${station.url}/drive/${sessionId}`)
  await page.bringToFront()
  const game = page.getByTestId('drive-game')
  await expect(game).toHaveAttribute('data-status', 'ready', { timeout: 30_000 })
  try {
    await expect(control).toHaveAttribute('data-status', 'ready', { timeout: 30_000 })
    await control.getByRole('button', { name: 'Start drive' }).click()
    await expect(game).toHaveAttribute('data-status', 'running', { timeout: 30_000 })
    await expect(control).toHaveAttribute('data-status', 'running', { timeout: 30_000 })

    // weave a little with the keyboard until the first stimulus (2-10 s of drive time after the start,
    // longer in wall time when frames are slow), then answer it. Each key is held until a broadcast
    // state shows the wheel turned its way (left is negative; the wheel self-centres, never crosses by itself).
    const steeredSince = (from: number, sign: number) =>
      observer.received.slice(from).some((e) => e.event.kind === 'state' && Math.sign(Number(e.event.steeringWheelDeg)) === sign)
    const deadline = Date.now() + 120_000
    let keyIndex = 0
    while (!observer.received.some((e) => e.event.kind === 'stimulus_shown') && Date.now() < deadline) {
      const [key, sign] = keyIndex++ % 2 === 0 ? ['ArrowLeft', -1] : ['ArrowRight', 1]
      const from = observer.received.length
      await page.keyboard.down(key)
      await expect.poll(() => steeredSince(from, sign), { timeout: 30_000, intervals: [20] }).toBe(true)
      await page.keyboard.up(key)
    }
    expect(observer.received.some((e) => e.event.kind === 'stimulus_shown')).toBe(true)
    await page.keyboard.press('Space')
    await expect.poll(() => observer.received.some((e) => e.event.kind === 'response'), { timeout: 30_000 }).toBe(true)
    // A picture for people, not an assertion: a compositor starved on a loaded host must not fail the drive.
    await page.screenshot({ path: 'test-results/screenshots/game-drive.png', timeout: 20_000 }).catch((err: Error) => console.warn(`game-drive screenshot skipped: ${err.message}`))
    await control.getByRole('button', { name: 'End drive' }).click()
    await control.getByRole('button', { name: 'Confirm end' }).click()
    // The command goes operator → station → participant page, whose frames are slow on a loaded 2-core host.
    await expect(game).toHaveAttribute('data-status', 'ended', { timeout: 30_000 })
    await expect(control).toHaveAttribute('data-status', 'ended', { timeout: 30_000 })
  } finally {
    observer.close()
    await operatorContext.close()
  }

  // stored: read the station's own SQLite (WAL allows a reader next to the running station)
  const db = new Database(join(station.dataDir, 'vigil.sqlite'), { readonly: true, fileMustExist: true })
  try {
    await expect
      .poll(() => (db.prepare("SELECT count(*) AS n FROM game_events WHERE session_id = ? AND kind = 'ended'").get(sessionId) as { n: number }).n, { timeout: 30_000 })
      .toBe(1)
    const rows = db.prepare('SELECT t_ms, kind, data_json FROM game_events WHERE session_id = ? ORDER BY t_ms, id').all(sessionId) as { t_ms: number; kind: string; data_json: string }[]
    // The game link names every event (producer id + counter), so re-sends are recognised by id, not content.
    const unnamed = db.prepare("SELECT count(*) AS n FROM game_events WHERE session_id = ? AND (event_id IS NULL OR event_id LIKE '~%')").get(sessionId) as { n: number }
    expect(unnamed.n).toBe(0)
    const states = rows.filter((r) => r.kind === 'state').map((r) => JSON.parse(r.data_json) as { tMs: number; laneOffsetM: number; steeringWheelDeg: number; speedMps: number })
    const spanS = (states.at(-1)!.tMs - states[0].tMs) / 1000
    expect(spanS).toBeGreaterThan(2)
    expect(states.length / spanS).toBeGreaterThanOrEqual(20)
    // the keyboard steered: the wheel turned both ways and the car left the lane centre
    expect(Math.max(...states.map((s) => s.steeringWheelDeg))).toBeGreaterThan(0)
    expect(Math.min(...states.map((s) => s.steeringWheelDeg))).toBeLessThan(0)
    expect(states.some((s) => s.laneOffsetM !== 0)).toBe(true)
    // wall-clock stamps are epoch ms from the browser
    expect(Math.abs(rows[0].t_ms - Date.now())).toBeLessThan(120_000)

    const shown = rows.filter((r) => r.kind === 'stimulus_shown').map((r) => JSON.parse(r.data_json) as { stimulusId: number })
    const responses = rows.filter((r) => r.kind === 'response').map((r) => JSON.parse(r.data_json) as { stimulusId: number; via: string; reactionTimeMs: number; simReactionTimeMs: number })
    expect(shown.length).toBeGreaterThanOrEqual(1)
    expect(responses.length).toBeGreaterThanOrEqual(1)
    const response = responses[0]
    test.info().annotations.push({ type: 'measured', description: `telemetry ${(states.length / spanS).toFixed(1)} Hz; RT ${response.reactionTimeMs.toFixed(1)} ms (sim ${response.simReactionTimeMs.toFixed(1)} ms)` })
    expect(response.stimulusId).toBe(shown[0].stimulusId)
    expect(response.via).toBe('button')
    // The answer went out after the observer saw the broadcast: tens to hundreds of ms on a quiet
    // machine. The bounds leave room for a loaded 2-core CI host, where one frame can take 0.5 s.
    expect(response.reactionTimeMs).toBeGreaterThan(20)
    expect(response.reactionTimeMs).toBeLessThan(5000)
    // the simulation's own RT (step-quantised, onset at the step rather than the paint) tells the same story
    expect(Math.abs(response.reactionTimeMs - response.simReactionTimeMs)).toBeLessThan(1000)
    expect(rows.some((r) => r.kind === 'drive_command')).toBe(true)

    // the station's copy replays: the input-log chunks rebuild the log, and re-running it headless
    // gives the simulation events the browser sent (less the browser-measured RT; see expectSameEvents())
    const chunks = rows.filter((r) => r.kind === 'drive_inputs').map((r) => JSON.parse(r.data_json) as { fromIndex: number; entries: InputLogEntry[]; endStep: number })
    chunks.sort((a, b) => a.fromIndex - b.fromIndex)
    const log: InputLog = { scenarioId: 'pvt-10min', seed: 1010, entries: chunks.flatMap((c) => c.entries), endStep: Math.max(...chunks.map((c) => c.endStep)) }
    expect(log.entries.map((_, i) => i)).toEqual(chunks.flatMap((c) => c.entries.map((_, j) => c.fromIndex + j)))
    const scenario = scenarioSchema.parse(JSON.parse(readFileSync(resolve(import.meta.dirname, '../../resources/scenarios/pvt-10min.json'), 'utf8')))
    const simKinds = new Set(['state', 'lane_departure', 'lane_return', 'collision', 'stimulus_shown', 'response', 'stimulus_missed', 'false_start', 'kss_prompt', 'kss_answer', 'kss_timeout', 'started', 'paused', 'resumed', 'ended'])
    const stored = rows.filter((r) => simKinds.has(r.kind)).map((r) => JSON.parse(r.data_json) as Record<string, unknown>)
    expectSameEvents(replayDrive(scenario, log) as unknown as Record<string, unknown>[], stored)
  } finally {
    db.close()
  }
})
