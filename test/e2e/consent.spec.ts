/**
 * Consent before the first recording, in the browser, on a station that gates on it: the new-session
 * form records the participant's consent with the session, a participant who did not consent to
 * recording gets a session that cannot start (with the station's reason), a known participant's
 * consent on file is shown instead of asked again, and can be updated there.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

const ADMIN = { email: 'consent@lab.test', password: 'correct horse battery', fullName: 'Consent Operator' }

let station: E2eStation
let context: BrowserContext
let page: Page

test.describe.configure({ mode: 'serial' })
test.setTimeout(120_000)

test.beforeAll(async ({ browser }) => {
  station = await startE2eStation(['--require-consent', 'true'])
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  page = await context.newPage()
  await page.goto(station.url)
  await page.getByTestId('login-toggle').click()
  await page.getByTestId('login-full-name').fill(ADMIN.fullName)
  await page.getByTestId('login-email').fill(ADMIN.email)
  await page.getByTestId('login-password').fill(ADMIN.password)
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('current-user')).toContainText(ADMIN.fullName, { timeout: 30_000 })
})

test.afterAll(async () => {
  await context?.close()
  await station?.stop()
})

async function newSession(participant: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions', exact: true }).click()
  await page.getByTestId('new-session').click()
  await page.getByTestId('session-participant').fill(participant)
}

test('consent is recorded with the first session, and the session records', async () => {
  await newSession('P-C01')
  await expect(page.getByTestId('consent-fields')).toContainText('needed before recording')
  // The form refuses to go on without the consent form's version.
  await page.getByTestId('create-session-submit').click()
  await expect(page.getByTestId('session-detail')).toHaveCount(0)
  await page.getByTestId('consent-form-version').fill('v2.1')
  await expect(page.getByTestId('consent-scope-local_recording')).toBeChecked()
  await page.getByTestId('consent-scope-data_sharing').check()
  await page.getByText('Demographics for BIDS exports').click()
  await page.getByTestId('participant-age').fill('93')
  await page.getByTestId('participant-handedness').selectOption('left')
  await page.getByTestId('create-session-submit').click()
  await expect(page.getByTestId('session-detail')).toBeVisible()
  await page.getByTestId('action-recording').click()
  await expect(page.getByTestId('session-status')).toHaveText('recording')

  // What the form stored, as the station has it.
  const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('vigil.auth') ?? '{}') as { access_token?: string }).access_token ?? '')
  const res = await page.request.get(`${station.url}/api/v1/participants?participant_code=P-C01`, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status()).toBe(200)
  const body = (await res.json()) as { data: { consent_scopes: string[]; age: number; handedness: string }[] }
  expect(body.data[0]).toMatchObject({ consent_scopes: ['local_recording', 'data_sharing'], age: 93, handedness: 'left' })
  await page.getByTestId('action-completed').click()
  await page.getByTestId('confirm-button').click()
  await expect(page.getByTestId('session-status')).toHaveText('completed')
})

test("a known participant's consent is shown, not asked again", async () => {
  await newSession('P-C01')
  await expect(page.getByTestId('consent-on-file')).toContainText('form v2.1')
  await expect(page.getByTestId('consent-fields')).toHaveCount(0)
  await page.getByTestId('create-session-submit').click()
  await expect(page.getByTestId('session-detail')).toBeVisible()
})

test('without consent to recording the session is planned but cannot start, and says why', async () => {
  await newSession('P-C02')
  await page.getByTestId('consent-form-version').fill('v2.1')
  await page.getByTestId('consent-scope-local_recording').uncheck()
  await page.getByTestId('create-session-submit').click()
  await expect(page.getByTestId('session-detail')).toBeVisible()
  await page.getByTestId('action-recording').click()
  await expect(page.getByTestId('error-note')).toContainText('CONSENT_REQUIRED')
  await expect(page.getByTestId('error-note')).toContainText('has not consented to local recording')
  await expect(page.getByTestId('session-status')).toHaveText('planned')

  await newSession('P-C02')
  await expect(page.getByTestId('consent-no-recording')).toBeVisible()
})

test('consent updated from the form lets the next session of that participant record', async () => {
  await newSession('P-C02')
  await page.getByTestId('consent-update').click()
  await expect(page.getByTestId('consent-form-version')).toHaveValue('v2.1')
  await page.getByTestId('consent-form-version').fill('v3')
  await page.getByTestId('consent-scope-local_recording').check()
  await page.getByTestId('create-session-submit').click()
  await expect(page.getByTestId('session-detail')).toBeVisible()
  await page.getByTestId('action-recording').click()
  await expect(page.getByTestId('session-status')).toHaveText('recording')
  await page.getByTestId('action-completed').click()
  await page.getByTestId('confirm-button').click()
  await expect(page.getByTestId('session-status')).toHaveText('completed')
})
