/**
 * The operator status strip (issue 21): headset state and the EEG rate arriving, the face tracker's
 * status and rate, whether the participant screen is talking, the drive state, the recording clock and
 * the sync backlog; a value that stopped coming is greyed with its age instead of looking current.
 * The participant screen is played by a WebSocket producer sending what the drive page sends.
 */
import { expect, test } from '@playwright/test'
import { WebSocket } from 'ws'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, STATION_HOOK_TIMEOUT_MS, type E2eStation } from '../helpers/station-process'

let station: E2eStation | undefined

test.afterAll(async () => {
  await station?.stop()
})

/** Sends one batch as the participant screen would (`face.events` or `game.events`) and waits for the station's ack. */
async function sendAsScreen(url: string, token: string, sessionId: string, frame: Record<string, unknown>): Promise<void> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/ws/session/${sessionId}?token=${token}`)
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject)
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; seq?: number; message?: string }
      if (message.type === 'hello') ws.send(JSON.stringify({ ...frame, seq: 1 }))
      if (message.type === 'ack' && message.seq === 1) resolve()
      if (message.type === 'error') reject(new Error(message.message))
    })
  })
  ws.close()
}

test('the status strip shows each part of the recording and greys what stopped coming, with its age', async ({ browser }) => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS + 120_000)
  station = await startE2eStation([])
  const url = station.url
  const admin = await registerAndLogin(url, { role: 'admin' })
  forgetStation(url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const created = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'strip check', participant_code: 'P-STRIP' }) })
  const { id } = (await created.json()) as { id: string }
  expect((await fetch(`${url}/api/v1/sessions/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })).status).toBe(200)

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  await page.goto(`${url}/sessions/${id}/live`)
  const strip = page.getByTestId('status-strip')
  await expect(strip).toBeVisible({ timeout: 30_000 })
  // The simulated headset streams 250 Hz; the rate is what arrives here, so a loaded host may read a little off.
  await expect(page.getByTestId('strip-headset')).toContainText(/streaming · \d+ Hz/, { timeout: 30_000 })
  await expect(page.getByTestId('strip-headset')).toHaveAttribute('data-stale', 'false')
  await expect(page.getByTestId('strip-clock')).toContainText(/recording · \d+:\d\d/)
  await expect(page.getByTestId('strip-camera')).toContainText('no report')
  await expect(page.getByTestId('strip-screen')).toContainText('not connected')
  await expect(page.getByTestId('strip-drive')).toContainText('no scenario')
  // No central database here: the backlog is every row recorded so far, and it grows.
  await expect(page.getByTestId('strip-sync')).toContainText(/[\d,]+ rows · \w+/, { timeout: 20_000 })

  // The participant screen reports: the tracker sees no face at 12 Hz, the drive runs.
  await sendAsScreen(url, admin.accessToken, id, { type: 'face.events', events: [{ kind: 'status', tMs: Date.now(), status: 'no_face', achievedHz: 12 }] })
  await sendAsScreen(url, admin.accessToken, id, { type: 'game.events', events: [{ tMs: Date.now(), event: { kind: 'drive_ready', scenarioId: 'highway-night', seed: 1, status: 'running' } }] })
  await expect(page.getByTestId('strip-camera')).toContainText('no_face · 12 Hz', { timeout: 15_000 })
  await expect(page.getByTestId('strip-camera')).toHaveAttribute('data-stale', 'false')
  await expect(page.getByTestId('strip-screen')).toContainText('connected')
  await expect(page.getByTestId('strip-screen')).not.toContainText('not connected')
  await expect(page.getByTestId('strip-drive')).toContainText('running')
  await page.screenshot({ path: 'test-results/screenshots/ui-live-status-strip.png' })

  // The screen goes quiet: its values turn stale and say since when, instead of looking current.
  await expect(page.getByTestId('strip-camera')).toHaveAttribute('data-stale', 'true', { timeout: 30_000 })
  await expect(page.getByTestId('strip-camera')).toContainText(/no_face · 12 Hz \(last heard \d+ s ago\)/)
  await expect(page.getByTestId('strip-screen')).toContainText(/not connected \(last heard \d+ s ago\)/)
  await expect(page.getByTestId('strip-drive')).toHaveAttribute('data-stale', 'true')
  // The headset keeps streaming meanwhile, so its value stays current.
  await expect(page.getByTestId('strip-headset')).toHaveAttribute('data-stale', 'false')

  // The station goes away: the headset's last word is greyed with its age too.
  await station.stop()
  station = undefined
  await expect(page.getByTestId('strip-headset')).toHaveAttribute('data-stale', 'true', { timeout: 30_000 })
  await expect(page.getByTestId('strip-headset')).toContainText(/last heard \d+ s ago/)
  await expect(page.getByTestId('strip-clock')).toContainText('unknown (station unreachable)')
  await context.close()
})
