/**
 * The operator's day against a real headless station with the simulated headset: sign in, create and
 * start a session, watch the EEG move, see a fatigue value and an alert (from a participant's KSS answer
 * sent by a WebSocket producer, as the driving game would), acknowledge it, drop a marker, follow the
 * session from the monitor and from a second browser, stop it, download it. Screenshots go to test-results/screenshots.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { tracesMoving } from '../helpers/live-page'
import { sendGameEvents } from '../helpers/ws-client'
import { STATION_HOOK_TIMEOUT_MS, startE2eStation, type E2eStation } from '../helpers/station-process'

const ADMIN = { email: 'operator@lab.test', password: 'correct horse battery', fullName: 'Lab Operator' }
const PARTICIPANT = 'P-E2E-01'
const SHOTS = 'test-results/screenshots'

let station: E2eStation
let context: BrowserContext
let page: Page
let sessionId = ''

test.describe.configure({ mode: 'serial' })
test.setTimeout(150_000)

test.beforeAll(async ({ browser }) => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS)
  station = await startE2eStation(['--sim-fatigue-minutes', '0.2'])
  context = await browser.newContext({ viewport: { width: 1600, height: 1000 } })
  page = await context.newPage()
})

test.afterAll(async () => {
  await context?.close()
  await station?.stop()
})

async function signIn(target: Page, options: { register: boolean }) {
  await target.goto(station.url)
  await expect(target.getByTestId('login-form')).toBeVisible()
  if (options.register) {
    await target.getByTestId('login-toggle').click()
    await target.getByTestId('login-full-name').fill(ADMIN.fullName)
  }
  await target.getByTestId('login-email').fill(ADMIN.email)
  await target.getByTestId('login-password').fill(ADMIN.password)
  await target.getByTestId('login-submit').click()
  // bcrypt at cost 12 on a busy 2-core machine: signing in can take a few seconds.
  await expect(target.getByTestId('current-user')).toContainText(ADMIN.fullName, { timeout: 120_000 })
}

function nav(target: Page, name: string) {
  return target.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })
}

/** Sends game events as the participant's driving game would, signed in as the admin. */
async function sendAdminGameEvents(events: Record<string, unknown>[]): Promise<void> {
  const login = await fetch(`${station.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: ADMIN.email, password: ADMIN.password })
  })
  const { access_token: token } = (await login.json()) as { access_token: string }
  await sendGameEvents(station.url, token, sessionId, events)
}

test('the first registered user signs in as admin and sees the admin navigation', async () => {
  await page.goto(station.url)
  await expect(page.getByTestId('login-form')).toBeVisible()
  await page.screenshot({ path: `${SHOTS}/ui-sign-in.png` })
  await signIn(page, { register: true })
  await expect(page.getByTestId('current-user')).toContainText('admin')
  await expect(nav(page, 'Users')).toBeVisible()
  await expect(page.getByTestId('monitor-page')).toBeVisible()
  await expect(page.getByTestId('empty-state')).toContainText('No active sessions')
})

test('a session is created and started, and its live view shows EEG traces that move', async () => {
  await nav(page, 'Sessions').click()
  await expect(page.getByTestId('empty-state')).toContainText('No sessions yet')
  await page.getByTestId('new-session').click()
  await page.getByTestId('session-participant').fill(PARTICIPANT)
  await page.getByTestId('session-name').fill('Night drive, block 1')
  await page.getByTestId('session-notes').fill('E2E: simulated headset')
  await page.getByTestId('create-session-submit').click()
  await expect(page.getByTestId('session-detail')).toBeVisible()
  await expect(page.getByTestId('session-status')).toHaveText('planned')
  sessionId = new URL(page.url()).pathname.split('/').pop()!

  await page.getByTestId('action-recording').click()
  await expect(page.getByTestId('session-status')).toHaveText('recording')
  await page.screenshot({ path: `${SHOTS}/ui-session-detail.png` })
  await page.getByTestId('open-live').click()
  await expect(page.getByTestId('live-page')).toBeVisible()
  await expect(page.getByTestId('quality-badges')).toContainText('Fp1')

  // Pixels differ between two shots: the traces scroll.
  await expect.poll(tracesMoving(page), { timeout: 30_000 }).toBe(true)
  await expect(page.getByTestId('band-bars')).toBeVisible({ timeout: 20_000 })
})

test('a fatigue value and an alert appear, and the alert can be acknowledged', async () => {
  // The participant answers KSS 9 ("fighting sleep"): usable at once (no baseline), severe by the EU DDAW scale.
  await sendAdminGameEvents([{ kind: 'kss_answer', tMs: 60_000, promptId: 1, value: 9, latencyMs: 1800 }])
  await expect(page.getByTestId('fatigue-value')).toContainText(/\d/, { timeout: 20_000 })
  await expect(page.getByTestId('fatigue-level')).toHaveText(/severe|moderate|alert/)
  const alert = page.getByTestId('alert-item').first()
  await expect(alert).toContainText('severe', { timeout: 20_000 })
  await expect(page.getByRole('alert').filter({ hasText: 'SEVERE' })).toBeVisible()
  await page.screenshot({ path: `${SHOTS}/ui-live.png` })
  await alert.getByTestId('ack-alert').click()
  await expect(alert).toContainText('acknowledged')
})

test('the M key drops a marker, which the session detail lists', async () => {
  await page.locator('body').click({ position: { x: 5, y: 300 } })
  await page.keyboard.press('m')
  await expect(page.getByTestId('marker-toast')).toContainText('Marker at')
  await page.getByRole('heading', { level: 1 }).getByRole('link').click()
  await expect(page.getByTestId('markers-list')).toContainText('marker')
  await expect(page.getByTestId('alerts-list')).toContainText('severe')
})

test('the participant screen opens from the session page in its own window', async () => {
  const popup = page.waitForEvent('popup')
  await page.getByTestId('open-participant-screen').click()
  const participant = await popup
  await participant.waitForLoadState()
  expect(new URL(participant.url()).pathname).toBe(`/drive/${sessionId}`)
  // Signed in like the opener (same browser profile), with no operator navigation.
  await expect(participant.getByTestId('face-panel')).toBeVisible()
  await expect(participant.getByRole('navigation', { name: 'Main' })).toHaveCount(0)
  await participant.close()
})

test('the monitor shows the session, and a second browser sees it live', async ({ browser }: { browser: Browser }) => {
  await nav(page, 'Monitor').click()
  const card = page.getByTestId('monitor-card').filter({ hasText: PARTICIPANT })
  await expect(card).toBeVisible()
  await expect(card.getByTestId('card-fatigue')).toHaveText(/\d/, { timeout: 15_000 })
  await page.screenshot({ path: `${SHOTS}/ui-monitor.png` })

  const remote = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  try {
    const remotePage = await remote.newPage()
    await signIn(remotePage, { register: false })
    const remoteCard = remotePage.getByTestId('monitor-card').filter({ hasText: PARTICIPANT })
    await remoteCard.click()
    await expect(remotePage.getByTestId('live-participant')).toHaveText(PARTICIPANT)
    await expect.poll(tracesMoving(remotePage), { timeout: 30_000 }).toBe(true)
    // An alert raised now reaches the remote viewer live.
    await sendAdminGameEvents([{ kind: 'lane_departure', tMs: 61_000, side: 'left', laneOffsetM: -2.1 }])
    await expect(remotePage.getByTestId('alert-item').filter({ hasText: /lane|Lane/ })).toBeVisible({ timeout: 20_000 })
  } finally {
    await remote.close()
  }
})

test('stopping the session asks first, completes it and takes it off the monitor', async () => {
  await page.goto(`${station.url}/sessions/${sessionId}/live`)
  await page.getByTestId('action-completed').click()
  await expect(page.getByTestId('confirm-dialog')).toBeVisible()
  await page.getByTestId('confirm-button').click()
  await expect(page.getByTestId('live-status')).toHaveText('completed')
  await nav(page, 'Monitor').click()
  await expect(page.getByTestId('empty-state')).toContainText('No active sessions')
  await nav(page, 'Sessions').click()
  await expect(page.getByTestId('session-row').filter({ hasText: PARTICIPANT })).toContainText('completed')
  await page.screenshot({ path: `${SHOTS}/ui-sessions.png` })
})

test('the completed session downloads from its page as BDF+ and as a CSV zip', async () => {
  await page.goto(`${station.url}/sessions/${sessionId}`)
  const panel = page.getByTestId('export-panel')
  await expect(panel).toBeVisible()
  await expect(panel.getByTestId('export-download')).toBeEnabled()
  const bdfDownload = page.waitForEvent('download')
  await panel.getByTestId('export-download').click()
  const bdf = await bdfDownload
  expect(bdf.suggestedFilename()).toMatch(/^vigil_sub-\w+_ses-1\.bdf$/)
  const bdfBytes = readFileSync(await bdf.path())
  expect(bdfBytes.subarray(0, 8)).toEqual(Buffer.from([0xff, ...Buffer.from('BIOSEMI')]))
  expect(bdfBytes.subarray(192, 196).toString()).toBe('BDF+')
  await expect(page.getByTestId('export-started')).toContainText(bdf.suggestedFilename())
  await page.screenshot({ path: `${SHOTS}/ui-session-export.png` })

  await panel.getByTestId('export-format').selectOption('csv')
  await expect(panel.getByTestId('export-discontinuous')).toHaveCount(0)
  const csvDownload = page.waitForEvent('download')
  await panel.getByTestId('export-download').click()
  const csv = await csvDownload
  expect(csv.suggestedFilename()).toMatch(/\.zip$/)
  expect(readFileSync(await csv.path()).subarray(0, 2).toString()).toBe('PK')
})

test('devices, sync and users pages show the station as it is', async () => {
  await nav(page, 'Devices').click()
  await expect(page.getByTestId('device-status-state')).toHaveText('streaming')
  await expect(page.getByText(/No serial ports found|\/dev\//).first()).toBeVisible({ timeout: 20_000 })
  await page.screenshot({ path: `${SHOTS}/ui-devices.png` })
  await nav(page, 'Sync').click()
  await expect(page.getByTestId('sync-state')).toHaveText('disabled')
  await expect(page.getByTestId('sync-now')).toBeDisabled()
  await page.screenshot({ path: `${SHOTS}/ui-sync.png` })
  await nav(page, 'Users').click()
  await expect(page.getByTestId('user-row').filter({ hasText: ADMIN.email })).toContainText('active')
  await page.screenshot({ path: `${SHOTS}/ui-users.png` })
})
