/**
 * History on open (issue 21): a viewer who opens or reloads the live view late sees the station's last
 * EEG window, the session's fatigue curve and the current tiles at once, read from storage through
 * GET /sessions/:id/live-history, not only what streams in after the page opened. A completed session
 * streams nothing, so everything its live view shows must have come from the history.
 */
import { expect, test } from '@playwright/test'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { sendGameEvents } from '../helpers/ws-client'
import { startE2eStation, STATION_HOOK_TIMEOUT_MS, type E2eStation } from '../helpers/station-process'

let station: E2eStation | undefined

test.afterAll(async () => {
  await station?.stop()
})

interface History {
  eeg: { channel_names: string[]; sample_rate_hz: number; first_seq: number; next_seq: number; samples_uv: number[][] } | null
  fatigue: { t_ms: number; score: number | null }[]
  latest_metrics: { score: number | null } | null
}

test('a live view opened after the data was recorded fills from the station: EEG window, fatigue curve, tiles', async ({ browser }) => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS + 180_000)
  station = await startE2eStation(['--sim-fatigue-minutes', '0.2'])
  const url = station.url
  const admin = await registerAndLogin(url, { role: 'admin' })
  forgetStation(url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const created = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'late joiner', participant_code: 'P-LATE' }) })
  const { id } = (await created.json()) as { id: string }
  expect((await fetch(`${url}/api/v1/sessions/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })).status).toBe(200)

  // The simulated EEG needs a baseline before it scores; a KSS answer scores the session at once.
  await sendGameEvents(url, admin.accessToken, id, [{ kind: 'kss_answer', tMs: 60_000, promptId: 1, value: 7, latencyMs: 1500 }])
  const history = async (query = ''): Promise<History> => (await (await fetch(`${url}/api/v1/sessions/${id}/live-history${query}`, { headers })).json()) as History
  // Record until more than a window of EEG and a few fatigue updates are stored.
  await expect
    .poll(
      async () => {
        const h = await history()
        return (h.eeg?.samples_uv.length ?? 0) >= (h.eeg?.sample_rate_hz ?? Infinity) * 10 && h.fatigue.filter((p) => p.score !== null).length >= 3
      },
      { timeout: 120_000, intervals: [1000] }
    )
    .toBe(true)
  expect((await fetch(`${url}/api/v1/sessions/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'completed' }) })).status).toBe(200)

  // Bounded: one window, however long the session; the window is the caller's within a limit.
  const stored = await history()
  const rateHz = stored.eeg!.sample_rate_hz
  expect(stored.eeg!.samples_uv.length).toBeLessThanOrEqual(Math.ceil(rateHz * 10))
  expect(stored.eeg!.next_seq - stored.eeg!.first_seq).toBe(stored.eeg!.samples_uv.length)
  expect((await history('?eeg_window_s=2')).eeg!.samples_uv.length).toBeLessThanOrEqual(Math.ceil(rateHz * 2))
  const tooLong = await fetch(`${url}/api/v1/sessions/${id}/live-history?eeg_window_s=3600`, { headers })
  expect(tooLong.status).toBe(422)
  const curvePoints = stored.fatigue.filter((p) => p.score !== null).length

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  await page.goto(`${url}/sessions/${id}/live`)
  await expect(page.getByTestId('live-status')).toHaveText('completed', { timeout: 30_000 })
  const note = page.getByTestId('history-note')
  await expect(note).toContainText('Filled from the station on open: the last 10 s of EEG', { timeout: 30_000 })
  await expect(note).toContainText(`${curvePoints} fatigue points`)
  // The channels, the curve and the tiles are the stored ones, although nothing streams to a completed session.
  await expect(page.getByTestId('quality-badges')).toContainText(stored.eeg!.channel_names[0])
  await expect(page.getByTestId('fatigue-chart')).toHaveAttribute('data-points', String(curvePoints))
  if (stored.latest_metrics?.score != null) await expect(page.getByTestId('fatigue-value')).toContainText(String(Math.round(stored.latest_metrics.score)))
  // The traces are drawn, not blank: the canvas holds more than its background colour.
  // Drawn on the next animation frames after the history arrives: wait for it rather than look once.
  const distinctColours = () =>
    page.getByTestId('eeg-traces').evaluate((el) => {
      const canvas = el instanceof HTMLCanvasElement ? el : el.querySelector('canvas')
      const ctx = canvas?.getContext('2d')
      if (!canvas || !ctx) return 0
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data
      const seen = new Set<number>()
      for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])
      return seen.size
    })
  await expect.poll(distinctColours, { timeout: 15_000 }).toBeGreaterThan(1)
  await page.screenshot({ path: 'test-results/screenshots/ui-live-history.png' })

  // A reload fills again from the station: nothing depends on what the previous page saw.
  await page.reload()
  await expect(page.getByTestId('history-note')).toContainText('the last 10 s of EEG', { timeout: 30_000 })
  await context.close()
})
