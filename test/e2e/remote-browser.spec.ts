/**
 * A researcher's browser on another host of the lab network: a network namespace joined by a veth
 * pair (test/helpers/remote-host.ts), so the page is loaded from the station's LAN address, not from
 * 127.0.0.1, which browsers trust and never upgrade. Bound beyond loopback, the station serves HTTPS
 * with the certificate it made on first run; the browser trusts exactly that key (an SPKI pin, as
 * the station prints it), signs in through the form, opens a live view and receives EEG over WSS.
 * The same flow with `--tls off` (a lab whose reverse proxy terminates TLS) is the blank page of old:
 * a CSP with upgrade-insecure-requests sent every asset to https://, which nobody answered.
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, expect, request as apiRequest, test, type Browser, type Page, type Response } from '@playwright/test'
import { TEST_PASSWORD } from '../helpers/auth'
import { createRemoteHost, remoteHostUnavailable, type RemoteHost } from '../helpers/remote-host'
import { startE2eStation, type E2eStation } from '../helpers/station-process'
import { chromiumArgs } from '../playwright.config'

const unavailable = remoteHostUnavailable()
let remote: RemoteHost | undefined
let station: E2eStation | undefined
let browser: Browser | undefined

test.beforeAll(() => {
  if (unavailable === null) remote = createRemoteHost()
})
test.afterEach(async () => {
  await browser?.close()
  await station?.stop()
  browser = undefined
  station = undefined
})
test.afterAll(() => remote?.close())

/** An admin, a researcher and a recording session, made from this host over the API. */
async function prepare(base: string): Promise<{ sessionId: string }> {
  // Not the subject, so this client skips the certificate check the browser makes.
  const api = await apiRequest.newContext({ baseURL: base, ignoreHTTPSErrors: true })
  const register = async (email: string, fullName: string) => {
    expect((await api.post('/api/v1/auth/register', { data: { email, password: TEST_PASSWORD, full_name: fullName } })).status()).toBe(201)
    const login = await api.post('/api/v1/auth/login', { form: { username: email, password: TEST_PASSWORD } })
    return ((await login.json()) as { access_token: string }).access_token
  }
  const adminToken = await register('operator@lab.test', 'Operator')
  await register('researcher@lab.test', 'Remote Researcher')
  const headers = { authorization: `Bearer ${adminToken}` }
  const users = (await (await api.get('/api/v1/users', { headers })).json()) as { data: { id: string; email: string }[] }
  const researcherId = users.data.find((u) => u.email === 'researcher@lab.test')!.id
  expect((await api.patch(`/api/v1/users/${researcherId}`, { headers, data: { role: 'researcher' } })).status()).toBe(200)
  const created = await api.post('/api/v1/sessions', { headers, data: { name: 'night drive', participant_code: 'P-LAN' } })
  const { id } = (await created.json()) as { id: string }
  expect((await api.patch(`/api/v1/sessions/${id}`, { headers, data: { status: 'recording' } })).status()).toBe(200)
  await api.dispose()
  return { sessionId: id }
}

/** The researcher's side: load the app from the LAN address, sign in, open the live view, get EEG. */
async function researcherSession(lan: string, sessionId: string, extraArgs: string[], beforeSignIn: (page: Page, response: Response | null) => Promise<void>) {
  browser = await chromium.launch({ executablePath: remote!.chromiumPath, args: [...chromiumArgs, ...extraArgs] })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const failed: string[] = []
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`))
  let eegFrames = 0
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    if (typeof payload === 'string' && payload.includes('"type":"eeg.samples"')) eegFrames++
  }))
  const response = await page.goto(lan)
  expect(response?.status()).toBe(200)
  await expect(page.getByTestId('login-form')).toBeVisible()
  await beforeSignIn(page, response)
  await page.getByTestId('login-email').fill('researcher@lab.test')
  await page.getByTestId('login-password').fill(TEST_PASSWORD)
  await page.getByTestId('login-submit').click()
  // bcrypt at cost 12 in a low-priority worker: with the load average above 20 it took over 30 s.
  await expect(page.getByTestId('current-user')).toContainText('Remote Researcher', { timeout: 120_000 })
  await page.goto(`${lan}/sessions/${sessionId}/live`)
  await expect(page.getByTestId('live-status')).toHaveText('recording', { timeout: 60_000 })
  await expect(page.getByTestId('quality-badges')).toContainText('Fp1')
  await expect.poll(() => eegFrames, { timeout: 60_000 }).toBeGreaterThan(5)
  expect(page.url().startsWith(lan)).toBe(true)
  expect(failed).toEqual([])
  return page
}

test('a browser on another host loads the app over HTTPS, checks the certificate, signs in and receives live EEG', async () => {
  test.skip(unavailable !== null, `remote-host test skipped: ${unavailable}`)
  test.setTimeout(300_000)
  station = await startE2eStation(['--host', '0.0.0.0'])
  expect(station.url).toMatch(/^https:\/\//)
  const port = new URL(station.url).port
  const certificate = new X509Certificate(readFileSync(join(station.dataDir, 'tls-cert.pem')))
  expect(certificate.subjectAltName).toContain(`IP Address:${remote!.stationAddress}`)
  const { sessionId } = await prepare(`https://127.0.0.1:${port}`)
  expect(station.spkiSha256).toBeTruthy()
  // Chromium trusts exactly the key the station printed; any other certificate fails the page load.
  const page = await researcherSession(`https://${remote!.stationAddress}:${port}`, sessionId, [`--ignore-certificate-errors-spki-list=${station.spkiSha256}`], async (target, response) => {
    expect(response?.headers()['strict-transport-security']).toMatch(/max-age=\d+/)
    await expect(target.getByTestId('tls-fingerprint')).toContainText(certificate.fingerprint256)
    expect(await target.evaluate(() => window.isSecureContext)).toBe(true)
  })
  await page.screenshot({ path: 'test-results/screenshots/remote-live-https.png' })
})

test('with --tls off, a browser on another host still gets the app over plain HTTP (no upgrade to https://)', async () => {
  test.skip(unavailable !== null, `remote-host test skipped: ${unavailable}`)
  test.setTimeout(300_000)
  station = await startE2eStation(['--host', '0.0.0.0', '--tls', 'off'])
  const port = new URL(station.url).port
  const { sessionId } = await prepare(`http://127.0.0.1:${port}`)
  await researcherSession(`http://${remote!.stationAddress}:${port}`, sessionId, [], async (target, response) => {
    expect(response?.headers()['content-security-policy']).not.toContain('upgrade-insecure-requests')
    expect(response?.headers()['strict-transport-security']).toBeUndefined()
    await expect(target.getByTestId('tls-fingerprint')).toHaveCount(0)
  })
})
