/**
 * The pre-recording electrode check in the browser against a real station whose simulated headset
 * has one electrode off the skin: the session page runs the check and draws the head map, and
 * *Start recording* asks first, then records the override before the recording starts.
 */
import { expect, test } from '@playwright/test'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

let station: E2eStation | undefined

test.afterAll(async () => {
  await station?.stop()
})

test('a failing electrode shows on the head map, and starting the recording asks first and records the override', async ({ browser }) => {
  test.setTimeout(180_000)
  station = await startE2eStation(['--sim-bad-electrode', '2'])
  const admin = await registerAndLogin(station.url, { role: 'admin' })
  forgetStation(station.url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const created = await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'electrodes', participant_code: 'P-IMP' }) })
  const { id } = (await created.json()) as { id: string }

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  await page.goto(`${station.url}/sessions/${id}`)
  const panel = page.getByTestId('impedance-panel')
  await expect(panel).toBeVisible({ timeout: 30_000 })
  await panel.getByTestId('run-impedance-check').click()
  const map = panel.getByTestId('impedance-head-map')
  await expect(map).toBeVisible({ timeout: 30_000 })
  await expect(map.locator('[data-rating="bad"]')).toHaveCount(1)
  await expect(map.locator('[data-rating]')).toHaveCount(8)
  await expect(panel).toContainText('failed')
  await page.screenshot({ path: 'test-results/screenshots/impedance-head-map.png' })

  // Cancel first: nothing starts.
  await page.getByTestId('action-recording').click()
  const gate = page.getByTestId('impedance-gate')
  await expect(gate).toBeVisible()
  await expect(gate).toContainText('kΩ')
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByTestId('session-status')).toHaveText('planned')

  // Then go ahead: the override is stored before the status changes.
  await page.getByTestId('action-recording').click()
  const override = page.waitForResponse((res) => res.url().includes('/impedance-checks/') && res.url().endsWith('/override'))
  await expect(page.getByTestId('confirm-button')).toHaveText('Start recording anyway')
  await page.getByTestId('confirm-button').click()
  expect((await override).status()).toBe(201)
  await expect(page.getByTestId('session-status')).toHaveText('recording', { timeout: 30_000 })
  await context.close()
})
