/**
 * The montage editor on the session page against a real station with the simulated headset: the
 * preset shows until stored, an edited label, site and reference are stored through the API, and
 * once recording starts the panel shows the labels read-only.
 */
import { expect, test } from '@playwright/test'
import type { MontageResponse } from '../../src/shared/schemas/montage'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

let station: E2eStation | undefined

test.afterAll(async () => {
  await station?.stop()
})

test('a montage edited on the session page is stored, and fixed once the recording starts', async ({ browser }) => {
  test.setTimeout(180_000)
  station = await startE2eStation([])
  const admin = await registerAndLogin(station.url, { role: 'admin' })
  forgetStation(station.url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const created = await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'montage', participant_code: 'P-MON' }) })
  const { id } = (await created.json()) as { id: string }
  const stored = async () => (await (await fetch(`${station!.url}/api/v1/sessions/${id}/montage`, { headers })).json()) as MontageResponse

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  await page.goto(`${station.url}/sessions/${id}`)
  const panel = page.getByTestId('montage-panel')
  await expect(panel).toBeVisible({ timeout: 30_000 })
  await expect(panel).toContainText('preset, not stored yet')
  await expect(panel.getByLabel('Label of channel 1')).toHaveValue('Fp1')

  await panel.getByLabel('Label of channel 5').fill('EOG-L')
  await panel.getByLabel('Site of channel 5').fill('')
  await panel.getByTestId('montage-reference').fill('Cz')
  const saved = page.waitForResponse((res) => res.url().endsWith(`/sessions/${id}/montage`) && res.request().method() === 'PUT')
  await panel.getByTestId('montage-save').click()
  expect((await saved).status()).toBe(200)
  await expect(panel).toContainText('stored')
  await expect.poll(async () => (await stored()).electrodes[4]).toEqual({ label: 'EOG-L', position: null })
  expect((await stored()).reference).toBe('Cz')
  await page.screenshot({ path: 'test-results/screenshots/montage-editor.png' })

  await page.getByTestId('action-recording').click()
  await expect(page.getByTestId('session-status')).toHaveText('recording', { timeout: 30_000 })
  await expect(panel.getByLabel('Label of channel 5')).toHaveCount(0)
  await expect(panel.getByTestId('montage-table')).toContainText('EOG-L')
  await expect(panel).toContainText('fixed once the recording has started')
  // The live view names the channels by the montage too.
  await page.goto(`${station.url}/sessions/${id}/live`)
  await expect(page.getByTestId('quality-badges')).toContainText('EOG-L', { timeout: 30_000 })
  await context.close()
})
