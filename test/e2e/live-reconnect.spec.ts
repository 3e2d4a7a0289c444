/**
 * The operator's live view when the station goes away mid-recording (a crash, a restart) and comes
 * back on the same port over the same data: the page says it lost the connection instead of freezing
 * silently, reconnects by itself, shows the recording the station paused at start-up, and streams
 * again once the operator resumes it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { tracesMoving } from '../helpers/live-page'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

let station: E2eStation | undefined
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-restart-'))

test.afterAll(async () => {
  await station?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function storedSamples(on: E2eStation, sessionId: string, headers: Record<string, string>): Promise<number> {
  const session = (await (await fetch(`${on.url}/api/v1/sessions/${sessionId}`, { headers })).json()) as { counters: { samples: number } }
  return session.counters.samples
}

test('the live view survives a station restart: it says so, reconnects by itself and streams again', async ({ browser }) => {
  test.setTimeout(180_000)
  station = await startE2eStation([], { dataDir })
  const port = new URL(station.url).port
  const admin = await registerAndLogin(station.url, { role: 'admin' })
  forgetStation(station.url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const created = await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'restart check', participant_code: 'P-RESTART' }) })
  const { id } = (await created.json()) as { id: string }
  expect((await fetch(`${station.url}/api/v1/sessions/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })).status).toBe(200)

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  await page.goto(`${station.url}/sessions/${id}/live`)
  const banner = page.getByTestId('connection-banner')
  // First load parses the bundle and opens the socket: seconds on a loaded 2-core host.
  await expect(page.getByTestId('live-status')).toHaveText('recording', { timeout: 30_000 })
  await expect(page.getByTestId('quality-badges')).toContainText('Fp1', { timeout: 30_000 })
  await expect(banner).toHaveCount(0)
  await expect.poll(tracesMoving(page), { timeout: 30_000 }).toBe(true)

  await station.stop()
  await expect(banner).toContainText('Reconnecting', { timeout: 20_000 })
  await expect(page.getByTestId('offline-banner')).toBeVisible({ timeout: 20_000 })
  await expect(page.getByTestId('device-state')).toHaveText('station unreachable')
  // Nothing on the page claims the recording or the headset goes on: the last word heard is not current.
  await expect(page.getByTestId('live-status')).toHaveText('unknown (station unreachable)')
  await expect(page.getByTestId('device-box')).toContainText('unknown (station unreachable)')
  await expect(page.getByTestId('device-box')).not.toContainText('streaming')
  const frozen = await page.getByTestId('live-elapsed').textContent()
  // The clock stopped at the last moment the station was heard. Proving that nothing happens needs a
  // window (docs/testing.md): past a full second a running clock would have moved.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 1500)))
  await expect(page.getByTestId('live-elapsed')).toHaveText(frozen ?? '')
  await page.screenshot({ path: 'test-results/screenshots/ui-live-reconnecting.png' })

  // Same port, same data (and so the same signing key: the page's token is still good).
  station = await startE2eStation(['--port', port], { dataDir })
  await expect(banner).toHaveCount(0, { timeout: 60_000 })
  await expect(page.getByTestId('offline-banner')).toHaveCount(0, { timeout: 20_000 })
  // A recording interrupted by a stop is paused at start-up; the operator decides to go on.
  await expect(page.getByTestId('live-status')).toHaveText('paused', { timeout: 20_000 })
  // ...and says why, and what is missing.
  await expect(page.getByTestId('pause-reason')).toContainText('Paused by the station: it restarted at', { timeout: 20_000 })
  await expect(page.getByTestId('not-recording-mark')).toContainText('Not recording (paused)')
  const samplesBefore = await storedSamples(station, id, headers)
  await page.getByTestId('action-recording').click()
  await expect(page.getByTestId('live-status')).toHaveText('recording', { timeout: 30_000 })
  await expect.poll(tracesMoving(page), { timeout: 30_000 }).toBe(true)
  await expect.poll(() => storedSamples(station!, id, headers), { timeout: 20_000 }).toBeGreaterThan(samplesBefore)
  await context.close()
})
