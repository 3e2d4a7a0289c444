/**
 * Face tracking (issue 11): achieved detection rate and time per analysed frame in headless Debian
 * Chromium, for tfjs' WebGL backend (software-rendered here: no GPU) and its CPU backend, with the
 * fake camera playing the astronaut clip. Model load time is reported apart from per-frame time.
 *
 * Baseline, in the same run: the bare `human.detect()` call cost is what dominates; the tracker adds
 * the EAR/MAR arithmetic and a 32×24 luminance probe. We report the tracker's achieved rate next to
 * the detector's per-frame time (1 / rate ≈ per-frame time means the tracker adds nothing measurable).
 *
 * Usage: npm run bench -- face   (FACE_FRAMES=8 analysed frames per backend)
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { authHeader, registerAndLogin } from '../test/helpers/auth'
import { ensureFaceClips } from '../test/helpers/face-clips'
import { chromiumArgs } from '../test/playwright.config'
import { startE2eStation } from '../test/e2e/station-process'

const FRAMES = Number(process.env.FACE_FRAMES ?? 8)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function main(): Promise<void> {
  const clip = ensureFaceClips().eyesOpen
  const station = await startE2eStation(['--device', 'none'])
  try {
    const admin = await registerAndLogin(station.url, { role: 'admin' })
    const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
    const session = (await (await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'face bench', participant_code: 'BENCH' }) })).json()) as { id: string }
    await fetch(`${station.url}/api/v1/sessions/${session.id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })
    console.log(`face tracking, ${FRAMES} frames per backend, fake camera 640×480 MJPEG, headless Chromium (no GPU)`)
    console.log('backend  model load  frames  per frame median / p99  achieved rate')
    for (const backend of ['cpu', 'webgl'] as const) {
      const args = [...chromiumArgs, `--use-file-for-fake-video-capture=${clip}`, ...(backend === 'webgl' ? ['--enable-unsafe-swiftshader'] : [])]
      const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args })
      const page = await browser.newPage()
      page.on('crash', () => console.error(`${backend}: the page crashed`))
      page.on('pageerror', (err) => console.error(`${backend}: page error: ${err.message}`))
      await page.goto(station.url)
      await page.evaluate(
        `localStorage.setItem('vigil.auth', JSON.stringify({ access_token: ${JSON.stringify(admin.accessToken)}, refresh_token: ${JSON.stringify(admin.refreshToken)}, expires_in: 900, refreshAfterMs: Date.now() + 600000 }))`
      )
      const startedMs = Date.now()
      await page.goto(`${station.url}/drive/${session.id}?faceFrames=${FRAMES}&faceBackend=${backend}`)
      await page.waitForSelector('[data-testid="face-status"][data-status="tracking"], [data-testid="face-status"][data-status="calibrating"], [data-testid="face-status"][data-status="no_face"]', { timeout: 300_000 })
      const modelLoadS = (Date.now() - startedMs) / 1000
      await page.waitForSelector('[data-testid="face-status"][data-status="stopped"]', { timeout: 600_000 })
      const shown = (await page.getByTestId('face-status').textContent()) ?? ''
      await page.waitForTimeout(1000)
      await browser.close()
      const db = new Database(join(station.dataDir, 'vigil.sqlite'), { readonly: true })
      const rows = db.prepare("SELECT data_json FROM face_events WHERE session_id = ? AND kind = 'frame' ORDER BY id").all(session.id) as { data_json: string }[]
      db.close()
      const times = rows.map((r) => (JSON.parse(r.data_json) as { tMs: number }).tMs).slice(-FRAMES)
      const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b)
      const rate = gaps.length > 0 ? (1000 * gaps.length) / (times[times.length - 1] - times[0]) : 0
      const backendShown = /· (\w+) ·/.exec(shown)?.[1] ?? backend
      console.log(
        `${backendShown.padEnd(8)} ${modelLoadS.toFixed(1).padStart(8)} s  ${String(times.length).padStart(6)}  ` +
          `${gaps.length ? `${percentile(gaps, 50).toFixed(0)} / ${percentile(gaps, 99).toFixed(0)} ms` : 'n/a'}`.padStart(24) +
          `  ${rate.toFixed(2)} Hz`
      )
    }
  } finally {
    await station.stop()
  }
}

await main()
