import { expect, test } from '@playwright/test'
import { STATION_HOOK_TIMEOUT_MS, startE2eStation, type E2eStation } from '../helpers/station-process'

let station: E2eStation
test.beforeAll(async () => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS)
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

test('operators are warned in every page when the station is running out of disk space', async ({ page }) => {
  // A threshold no disk meets stands in for a full disk.
  const strict = await startE2eStation(['--low-disk-gb', '1000000000', '--device', 'none'])
  try {
    await page.goto(strict.url)
    const banner = page.getByTestId('disk-banner')
    await expect(banner).toHaveAttribute('data-level', 'critical')
    await expect(banner).toContainText(/nearly out of disk space: [\d.]+ [kMGT]?B free/)
    await page.screenshot({ path: 'test-results/screenshots/app-shell-disk-low.png' })
  } finally {
    await strict.stop()
  }
})
