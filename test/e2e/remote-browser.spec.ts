/**
 * A researcher's browser on another host of the lab network: a network namespace joined by a veth
 * pair (test/helpers/remote-host.ts), so the page is loaded from the station's LAN address, not from
 * 127.0.0.1, which browsers trust and never upgrade. It signs in through the form, opens a live view
 * and receives EEG over the WebSocket, as a remote researcher does.
 */
import { chromium, expect, test, type Browser } from '@playwright/test'
import { authHeader, registerAndLogin } from '../helpers/auth'
import { createRemoteHost, remoteHostUnavailable, type RemoteHost } from '../helpers/remote-host'
import { startE2eStation, type E2eStation } from '../helpers/station-process'
import { chromiumArgs } from '../playwright.config'

const unavailable = remoteHostUnavailable()
let remote: RemoteHost | undefined
let station: E2eStation | undefined
let browser: Browser | undefined

test.afterAll(async () => {
  await browser?.close()
  await station?.stop()
  remote?.close()
})

test('a browser on another host loads the app, signs in and receives live EEG', async () => {
  test.skip(unavailable !== null, `remote-host test skipped: ${unavailable}`)
  test.setTimeout(180_000)
  remote = createRemoteHost()
  station = await startE2eStation(['--host', '0.0.0.0'])
  const port = new URL(station.url).port
  const local = `http://127.0.0.1:${port}`
  const lan = `http://${remote.stationAddress}:${port}`

  await registerAndLogin(local, { role: 'admin' })
  const operator = await registerAndLogin(local, { role: 'admin' })
  const researcher = await registerAndLogin(local, { role: 'researcher', fullName: 'Remote Researcher' })
  const headers = { 'content-type': 'application/json', ...authHeader(operator.accessToken) }
  const created = await fetch(`${local}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'night drive', participant_code: 'P-LAN' }) })
  const { id } = (await created.json()) as { id: string }
  expect((await fetch(`${local}/api/v1/sessions/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })).status).toBe(200)

  browser = await chromium.launch({ executablePath: remote.chromiumPath, args: chromiumArgs })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const failed: string[] = []
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`))
  let eegFrames = 0
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    if (typeof payload === 'string' && payload.includes('"type":"eeg.samples"')) eegFrames++
  }))

  const response = await page.goto(lan)
  expect(response?.status()).toBe(200)
  // The blank page of old: the CSP made the browser fetch every asset over https://, which nobody serves.
  await expect(page.getByTestId('login-form')).toBeVisible()
  expect(response?.headers()['content-security-policy']).not.toContain('upgrade-insecure-requests')
  await page.getByTestId('login-email').fill(researcher.user.email)
  await page.getByTestId('login-password').fill(researcher.password)
  await page.getByTestId('login-submit').click()
  // bcrypt at cost 12 on a busy 2-core machine: signing in can take a few seconds.
  await expect(page.getByTestId('current-user')).toContainText('Remote Researcher', { timeout: 30_000 })

  await page.goto(`${lan}/sessions/${id}/live`)
  await expect(page.getByTestId('live-status')).toHaveText('recording', { timeout: 30_000 })
  await expect(page.getByTestId('quality-badges')).toContainText('Fp1')
  await expect.poll(() => eegFrames, { timeout: 30_000 }).toBeGreaterThan(5)
  expect(page.url().startsWith(lan)).toBe(true)
  expect(failed).toEqual([])
})
