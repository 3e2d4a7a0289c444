/**
 * Issue 21 "Broken or misleading", the parts about roles and honest states, in a real browser against a
 * real station with the simulated headset:
 * - a researcher watching a colleague's session acknowledges an alert (one rule with REST, see
 *   docs/sessions.md) and sees neither Marker, Pause, Stop, Delete nor Drive, but a note saying why;
 * - a refused action shows the station's reason, below the header rather than inside its buttons;
 * - paused and completed sessions say they are not recording, and a completed one has no SEVERE
 *   banner and no drive or lifecycle buttons.
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { WebSocket } from 'ws'
import { authHeader, forgetStation, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

const SHOTS = 'test-results/screenshots'

let station: E2eStation
let owner: LoggedInUser
let colleague: LoggedInUser
const pages: Page[] = []

test.describe.configure({ mode: 'serial' })
test.setTimeout(150_000)

test.beforeAll(async () => {
  station = await startE2eStation()
  await registerAndLogin(station.url, { role: 'admin' })
  owner = await registerAndLogin(station.url, { role: 'researcher' })
  colleague = await registerAndLogin(station.url, { role: 'researcher' })
  forgetStation(station.url)
})

test.afterAll(async () => {
  for (const page of pages) await page.context().close()
  await station?.stop()
})

async function api<T = unknown>(user: LoggedInUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${station.url}/api/v1${path}`, {
    method,
    headers: { ...authHeader(user.accessToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T }
}

async function plannedSession(user: LoggedInUser, name: string): Promise<string> {
  const res = await api<{ id: string }>(user, 'POST', '/sessions', { name, participant_code: 'P-PERM', scenario: { id: 'highway-night', seed: 7 } })
  expect(res.status).toBe(201)
  return res.body.id
}

async function setStatus(user: LoggedInUser, id: string, status: string): Promise<void> {
  expect((await api(user, 'PATCH', `/sessions/${id}`, { status })).status).toBe(200)
}

/** The participant's game answers KSS 9 over the session socket, as the driving game would: a severe alert. */
async function raiseSevereAlert(user: LoggedInUser, sessionId: string): Promise<void> {
  const ws = new WebSocket(`${station.url.replace('http', 'ws')}/api/v1/ws/session/${sessionId}?token=${user.accessToken}`)
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject)
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; seq?: number; message?: string }
      if (message.type === 'hello') {
        const event = { kind: 'kss_answer', tMs: 60_000, promptId: 1, value: 9, latencyMs: 1800 }
        ws.send(JSON.stringify({ type: 'game.events', seq: 1, events: [{ tMs: Date.now(), event }] }))
      }
      if (message.type === 'ack' && message.seq === 1) resolve()
      if (message.type === 'error') reject(new Error(message.message))
    })
  })
  ws.close()
}

async function browserOf(browser: Browser, user: LoggedInUser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 950 } })
  await signInBrowser(context, user)
  const page = await context.newPage()
  pages.push(page)
  return page
}

let sessionId = ''

test("a researcher on a colleague's session acknowledges an alert and sees only what they may do", async ({ browser }) => {
  sessionId = await plannedSession(owner, 'Colleague night drive')
  await setStatus(owner, sessionId, 'recording')
  await raiseSevereAlert(owner, sessionId)

  const page = await browserOf(browser, colleague)
  await page.goto(`${station.url}/sessions/${sessionId}/live`)
  await expect(page.getByTestId('live-status')).toHaveText('recording', { timeout: 30_000 })
  await expect(page.getByTestId('view-only-note')).toContainText('only its creator or an admin')
  for (const id of ['add-marker', 'action-paused', 'action-completed']) await expect(page.getByTestId(id)).toHaveCount(0)
  await expect(page.getByRole('region', { name: 'Drive' })).toHaveCount(0)

  const alert = page.getByTestId('alert-item').first()
  await expect(alert).toContainText('severe', { timeout: 20_000 })
  await alert.getByTestId('ack-alert').click()
  await expect(alert).toContainText('acknowledged')
  await expect(page.getByTestId('refusal-note')).toHaveCount(0)
  // Stored with who acknowledged, as REST reports it.
  const alerts = (await api<{ data: { acknowledged_by: string | null }[] }>(owner, 'GET', `/sessions/${sessionId}/alerts`)).body.data
  expect(alerts[0].acknowledged_by).toBe(colleague.user.id)
  await page.screenshot({ path: `${SHOTS}/ui-live-view-only.png` })

  await page.goto(`${station.url}/sessions/${sessionId}`)
  await expect(page.getByTestId('session-detail')).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('view-only-note')).toBeVisible()
  for (const id of ['delete-session', 'action-paused', 'action-completed', 'open-participant-screen']) await expect(page.getByTestId(id)).toHaveCount(0)
  // Exporting is a reader's action: the panel is there.
  await expect(page.getByTestId('export-download')).toBeVisible()
})

test('a refused action shows the station’s reason below the header', async ({ browser }) => {
  const second = await plannedSession(owner, 'Second drive')
  const page = await browserOf(browser, owner)
  await page.goto(`${station.url}/sessions/${second}`)
  await expect(page.getByTestId('session-status')).toHaveText('planned', { timeout: 30_000 })
  await expect(page.getByTestId('view-only-note')).toHaveCount(0)
  // The first session still records: the station refuses a second one, and the page says why.
  await page.getByTestId('action-recording').click()
  const note = page.getByTestId('error-note')
  await expect(note).toContainText('Another session is already recording')
  await expect(note).toContainText('SESSION_ALREADY_RECORDING')
  await expect(page.locator('.head-actions [data-testid="error-note"]')).toHaveCount(0)
  await expect(page.getByTestId('session-status')).toHaveText('planned')
})

test('paused and completed sessions say they are not recording; a completed one offers no drive, no lifecycle and no SEVERE banner', async ({ browser }) => {
  await setStatus(owner, sessionId, 'completed')
  const third = await plannedSession(owner, 'Third drive')
  await setStatus(owner, third, 'recording')
  await raiseSevereAlert(owner, third)
  const page = await browserOf(browser, owner)
  await page.goto(`${station.url}/sessions/${third}/live`)
  await expect(page.getByTestId('live-status')).toHaveText('recording', { timeout: 30_000 })
  await expect(page.getByTestId('quality-badges')).toContainText('Fp1', { timeout: 30_000 })
  await expect(page.getByRole('region', { name: 'Drive' })).toBeVisible()
  await expect(page.getByRole('alert').filter({ hasText: 'SEVERE' })).toBeVisible({ timeout: 20_000 })
  await expect(page.getByTestId('not-recording-mark')).toHaveCount(0)
  await expect(page.getByTestId('view-only-note')).toHaveCount(0)

  await page.getByTestId('action-paused').click()
  await expect(page.getByTestId('live-status')).toHaveText('paused', { timeout: 20_000 })
  await expect(page.getByTestId('not-recording-mark')).toContainText('Not recording (paused)')
  await expect(page.getByTestId('paused-banner')).toBeVisible()
  await page.screenshot({ path: `${SHOTS}/ui-live-paused.png` })

  await page.getByTestId('action-completed').click()
  await page.getByTestId('confirm-button').click()
  await expect(page.getByTestId('live-status')).toHaveText('completed', { timeout: 20_000 })
  await expect(page.getByTestId('not-recording-mark')).toContainText('Not recording (completed)')
  await expect(page.getByRole('alert').filter({ hasText: 'SEVERE' })).toHaveCount(0)
  await expect(page.getByRole('region', { name: 'Drive' })).toHaveCount(0)
  for (const id of ['add-marker', 'action-paused', 'action-completed', 'action-recording']) await expect(page.getByTestId(id)).toHaveCount(0)
  // The clock shows the session's length, from start to end, not the time since it started.
  const stored = (await api<{ started_at: string; ended_at: string }>(owner, 'GET', `/sessions/${third}`)).body
  const lengthS = Math.floor((Date.parse(stored.ended_at) - Date.parse(stored.started_at)) / 1000)
  await expect(page.getByTestId('live-elapsed')).toHaveText(`${Math.floor(lengthS / 60)}:${String(lengthS % 60).padStart(2, '0')}`)
})

test('a student deep-linking to /devices is told what the page is for instead of seeing refused requests', async ({ browser }) => {
  const student = await registerAndLogin(station.url, { role: 'student' })
  const page = await browserOf(browser, student)
  await page.goto(`${station.url}/devices`)
  await expect(page.getByTestId('not-for-role')).toContainText('not available to your role (student)', { timeout: 30_000 })
  await expect(page.getByTestId('not-for-role')).toContainText('Researchers and admins connect and configure the headset')
  await expect(page.getByTestId('error-note')).toHaveCount(0)
  await expect(page.getByText('AUTH_FORBIDDEN')).toHaveCount(0)
  await expect(page.getByTestId('devices-page')).toHaveCount(0)
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' })).toHaveCount(0)
})

test('disconnecting the headset during a recording asks first, shows a banner, and reports the span without EEG', async ({ browser }) => {
  const fourth = await plannedSession(owner, 'Fourth drive')
  await setStatus(owner, fourth, 'recording')
  const live = await browserOf(browser, owner)
  await live.goto(`${station.url}/sessions/${fourth}/live`)
  await expect(live.getByTestId('device-box')).toContainText('streaming', { timeout: 30_000 })

  const devices = await live.context().newPage()
  await devices.goto(`${station.url}/devices`)
  await expect(devices.getByTestId('device-status-state')).toHaveText('streaming', { timeout: 30_000 })
  await devices.getByTestId('device-disconnect').click()
  const dialog = devices.getByTestId('confirm-dialog')
  await expect(dialog).toContainText('“Fourth drive” is recording')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(devices.getByTestId('device-status-state')).toHaveText('streaming')

  await devices.getByTestId('device-disconnect').click()
  await devices.getByTestId('confirm-button').click()
  await expect(devices.getByTestId('device-status-state')).toHaveText('disconnected', { timeout: 20_000 })
  await expect(live.getByTestId('headset-down-banner')).toContainText('no EEG is being recorded', { timeout: 20_000 })
  await live.screenshot({ path: `${SHOTS}/ui-live-headset-down.png` })

  expect((await api(owner, 'POST', '/devices/connect', { kind: 'simulated' })).status).toBe(200)
  await expect(live.getByTestId('headset-down-banner')).toHaveCount(0, { timeout: 30_000 })
  await expect(live.getByTestId('headset-outages')).toContainText('stopped streaming once', { timeout: 20_000 })
  await setStatus(owner, fourth, 'completed')
  // Afterwards the session itself reports the span, from the headset events stored with it (not this view's memory).
  await devices.goto(`${station.url}/sessions/${fourth}`)
  await expect(devices.getByTestId('headset-outages-summary')).toContainText('Headset away once', { timeout: 30_000 })
  const detail = await api<{ headset_outages: { seconds: number; to: string | null }[] }>(owner, 'GET', `/sessions/${fourth}`)
  expect(detail.body.headset_outages).toHaveLength(1)
  expect(detail.body.headset_outages[0].to).not.toBeNull()
  expect(detail.body.headset_outages[0].seconds).toBeGreaterThan(0)
})

test('the participant screen has no error codes, no camera controls, no tracker numbers and no scenario picker', async ({ browser }) => {
  const created = await api<{ id: string }>(owner, 'POST', '/sessions', { name: 'Participant drive', participant_code: 'P-SCREEN' })
  const id = created.body.id
  const page = await browserOf(browser, owner)
  await page.goto(`${station.url}/drive/${id}`)
  // No scenario yet: the participant waits for the operator instead of choosing one.
  await expect(page.getByTestId('drive-waiting-scenario')).toContainText('The operator is preparing your drive', { timeout: 30_000 })
  await expect(page.getByRole('button', { name: /highway|night|city|rural/i })).toHaveCount(0)

  expect((await api(owner, 'PATCH', `/sessions/${id}`, { scenario: { id: 'pvt-10min', seed: 7 } })).status).toBe(200)
  await expect(page.getByText('Waiting for the operator to start the drive.')).toBeVisible({ timeout: 20_000 })
  // The session is only planned, so the station refuses the drive's first event: plain words, the code kept out of sight.
  const link = page.getByTestId('drive-link')
  await expect(link).toHaveAttribute('data-code', 'SESSION_NOT_RECORDING', { timeout: 20_000 })
  await expect(link).toHaveText('The recording is not running. Please wait for the operator.')

  const face = page.getByTestId('face-panel')
  await expect(face).toBeVisible()
  await expect(face.getByRole('combobox')).toHaveCount(0)
  await expect(face.getByRole('button', { name: /camera/i })).toHaveCount(0)
  await expect(page.getByTestId('face-metrics')).toHaveCount(0)
  await expect(page.getByTestId('face-status')).not.toContainText(/Hz|EAR|\d/)
  await expect(page.getByText(/face events stored/)).toHaveCount(0)
  await page.screenshot({ path: `${SHOTS}/ui-participant-screen.png` })
})
