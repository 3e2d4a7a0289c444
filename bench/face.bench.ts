/**
 * Face tracking (issue 11): achieved detection rate and time per analysed frame in headless Debian
 * Chromium, for tfjs' WASM, WebGL (software-rendered by SwiftShader here: there is no GPU) and plain-JS
 * CPU backends, with the fake camera playing the astronaut clip of the face e2e test.
 *
 * Baseline, measured in the same run: the bare `human.detect()` call, timed inside the tracker with
 * User Timing (`vigil.face.detect`). The achieved rate comes from the frames the station stored
 * (face_events.t_ms), so it covers the whole path: detector, EAR/MAR arithmetic, luminance probe,
 * batching and the WebSocket. Ratio = stored-frame interval / detect time (1.00 = the tracker adds
 * nothing). Start-up (model download from the station + backend set-up) and the first, warm-up frame
 * are reported apart.
 *
 * Usage: npm run bench -- face   (FACE_FRAMES=8 analysed frames per backend, FACE_BACKENDS=wasm,webgl,cpu)
 */
import Database from 'better-sqlite3'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { FACE_BACKENDS, type FaceBackend } from '../src/renderer/src/face/features'
import { authHeader, registerAndLogin } from '../test/helpers/auth'
import { signInBrowser } from '../test/helpers/browser-auth'
import { ensureFaceClips } from '../test/helpers/face-clips'
import { waitForFaceRun } from '../test/helpers/face-page'
import { chromiumArgs } from '../test/playwright.config'
import { startE2eStation, type E2eStation } from '../test/helpers/station-process'

const FRAMES = Number(process.env.FACE_FRAMES ?? 8)
const BACKENDS = (process.env.FACE_BACKENDS ?? 'wasm,webgl,cpu').split(',').filter((b): b is FaceBackend => (FACE_BACKENDS as readonly string[]).includes(b))

interface Run {
  requested: string
  backendShown: string
  startupS: number
  firstFrameMs: number
  detectMs: number[]
  storedIntervalsMs: number[]
  storedFrames: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]
}

function log(message: string): void {
  process.stderr.write(`  … ${message}\n`)
}

async function runBackend(station: E2eStation, sessionId: string, tokens: { accessToken: string; refreshToken: string }, clip: string, backend: FaceBackend): Promise<Run> {
  const args = [...chromiumArgs, `--use-file-for-fake-video-capture=${clip}`, ...(backend === 'webgl' ? ['--enable-unsafe-swiftshader'] : [])]
  log(`${backend}: launching Chromium`)
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args, timeout: 120_000 })
  try {
    const page = await browser.newPage()
    await signInBrowser(page, tokens)
    const lastId = lastFaceEventId(station, sessionId)
    log(`${backend}: loading models and analysing ${FRAMES} frames`)
    await page.goto(`${station.url}/drive/${sessionId}?faceFrames=${FRAMES}&faceBackend=${backend}`)
    const run = await waitForFaceRun(page, FRAMES)
    if (run.status !== 'stopped') throw new Error(`${backend}: face tracking failed: ${run.text}`)
    // Frames are acked after the SQLite commit; give the last batch a moment to land.
    const frames = await waitForStoredFrames(station, sessionId, lastId, FRAMES)
    return {
      requested: backend,
      backendShown: run.backend ?? '?',
      startupS: run.detectStartMs[0] / 1000,
      firstFrameMs: run.detectMs[0],
      detectMs: run.detectMs.slice(1),
      storedIntervalsMs: frames.slice(2).map((t, i) => t - frames[i + 1]), // from the 2nd frame: the 1st ends the warm-up
      storedFrames: frames.length
    }
  } finally {
    await browser.close()
  }
}

function lastFaceEventId(station: E2eStation, sessionId: string): number {
  const db = new Database(join(station.dataDir, 'vigil.sqlite'), { readonly: true, fileMustExist: true })
  try {
    return (db.prepare('SELECT coalesce(max(id), 0) AS id FROM face_events WHERE session_id = ?').get(sessionId) as { id: number }).id
  } finally {
    db.close()
  }
}

async function waitForStoredFrames(station: E2eStation, sessionId: string, afterId: number, expected: number): Promise<number[]> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const db = new Database(join(station.dataDir, 'vigil.sqlite'), { readonly: true, fileMustExist: true })
    const rows = db.prepare("SELECT t_ms FROM face_events WHERE session_id = ? AND id > ? AND kind = 'frame' ORDER BY t_ms").all(sessionId, afterId) as { t_ms: number }[]
    db.close()
    if (rows.length >= expected || Date.now() > deadline) return rows.map((r) => r.t_ms)
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function main(): Promise<void> {
  const clip = ensureFaceClips().eyesOpen
  log('starting the station')
  const station = await startE2eStation(['--device', 'none'])
  const runs: Run[] = []
  try {
    const admin = await registerAndLogin(station.url, { role: 'admin' })
    const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
    const created = await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'face bench', participant_code: 'BENCH' }) })
    const { id } = (await created.json()) as { id: string }
    const started = await fetch(`${station.url}/api/v1/sessions/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })
    if (!started.ok) throw new Error(`could not start the bench session: HTTP ${started.status}`)
    for (const backend of BACKENDS) runs.push(await runBackend(station, id, admin, clip, backend))
  } finally {
    await station.stop()
  }

  console.log(`face tracking in headless Chromium (no GPU), fake camera 640×480 MJPEG, ${FRAMES} frames per backend, load average ${loadavg()[0].toFixed(2)}`)
  console.log('requested  ran     start-up  1st frame  detect median  stored interval  achieved rate  interval/detect  frames stored')
  for (const run of runs) {
    const detect = median(run.detectMs)
    const interval = median(run.storedIntervalsMs)
    console.log(
      [
        run.requested.padEnd(9),
        run.backendShown.padEnd(6),
        `${run.startupS.toFixed(1)} s`.padStart(8),
        `${run.firstFrameMs.toFixed(0)} ms`.padStart(9),
        `${detect.toFixed(0)} ms`.padStart(13),
        `${interval.toFixed(0)} ms`.padStart(15),
        `${(1000 / interval).toFixed(2)} Hz`.padStart(13),
        `${(interval / detect).toFixed(2)}×`.padStart(15),
        `${run.storedFrames}/${FRAMES}`.padStart(13)
      ].join('  ')
    )
  }
  console.log('start-up = page navigation to the first detection (model download from the station + backend set-up).')
  console.log('"ran" is the backend tfjs actually used (a backend that fails to start falls back to cpu).')
  console.log('The tracker asks for at most 15 Hz (66.7 ms): where the detector is faster, that cap sets the interval and interval/detect above 1 is idle time.')
  if (runs.some((r) => r.storedFrames < FRAMES)) process.exitCode = 1
}

await main()
