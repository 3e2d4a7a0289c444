import { expect, test } from '@playwright/test'
import { startE2eStation, type E2eStation } from './station-process'

let station: E2eStation
test.beforeAll(async () => {
  station = await startE2eStation()
})
test.afterAll(async () => {
  await station?.stop()
})

test('the station serves the app shell, which shows the simulated headset streaming', async ({ page }) => {
  await page.goto(station.url)
  await expect(page.getByTestId('app-shell')).toBeVisible()
  await expect(page.getByTestId('device-state')).toContainText('streaming')
  const before = Number(await page.getByTestId('samples-received').textContent())
  await expect.poll(async () => Number(await page.getByTestId('samples-received').textContent())).toBeGreaterThan(before)
  await page.screenshot({ path: 'test-results/screenshots/app-shell.png' })
})
