/**
 * Issue 21 "Phones": at 390 px (an iPhone 12-15 in portrait) no page scrolls sideways, the main
 * navigation collapses behind a Menu button, and tables turn into stacked rows.
 */
import { expect, test, type Page } from '@playwright/test'
import { authHeader, forgetStation, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

let station: E2eStation
let admin: LoggedInUser
let sessionId = ''

test.setTimeout(150_000)

test.beforeAll(async () => {
  station = await startE2eStation()
  admin = await registerAndLogin(station.url, { role: 'admin' })
  forgetStation(station.url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const res = await fetch(`${station.url}/api/v1/sessions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'A night drive with a rather long descriptive name', participant_code: 'P-PHONE-000123', scenario: { id: 'pvt-10min', seed: 3 } })
  })
  sessionId = ((await res.json()) as { id: string }).id
  await fetch(`${station.url}/api/v1/sessions/${sessionId}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })
})

test.afterAll(async () => {
  await station?.stop()
})

/** How far the page reaches past the viewport's right edge, in CSS px (0: no sideways scroll). */
function overflowPx(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
}

const PAGES: { label: string; path: () => string; ready: string }[] = [
  { label: '/monitor', path: () => '/monitor', ready: 'app-shell' },
  { label: '/sessions', path: () => '/sessions', ready: 'sessions-table' },
  { label: '/sessions/:id', path: () => `/sessions/${sessionId}`, ready: 'session-detail' },
  { label: '/sessions/:id/live', path: () => `/sessions/${sessionId}/live`, ready: 'quality-badges' },
  { label: '/devices', path: () => '/devices', ready: 'devices-page' },
  { label: '/sync', path: () => '/sync', ready: 'app-shell' },
  { label: '/admin/users', path: () => '/admin/users', ready: 'app-shell' }
]

for (const entry of PAGES) {
  test(`${entry.label} fits 390 px without sideways scrolling`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    await signInBrowser(context, admin)
    const page = await context.newPage()
    await page.goto(`${station.url}${entry.path()}`)
    await expect(page.getByTestId(entry.ready)).toBeVisible({ timeout: 30_000 })
    // The live view is measured with its channels drawn, the widest state it has.
    if (entry.ready === 'quality-badges') await expect(page.getByTestId('quality-badges')).toContainText('Fp1', { timeout: 30_000 })
    await expect(page.getByTestId('skeleton')).toHaveCount(0, { timeout: 20_000 })
    await expect.poll(() => overflowPx(page), { timeout: 10_000 }).toBeLessThanOrEqual(0)
    await page.screenshot({ path: `test-results/screenshots/ui-phone${entry.label.replaceAll(/[/:]+/g, '-')}.png`, fullPage: true })
    await context.close()
  })
}

test('the navigation collapses behind a Menu button on a phone and opens on demand', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  await page.goto(`${station.url}/sessions`)
  const menu = page.getByRole('button', { name: 'Menu' })
  await expect(menu).toBeVisible({ timeout: 30_000 })
  await expect(menu).toHaveAttribute('aria-expanded', 'false')
  const nav = page.getByRole('navigation', { name: 'Main' })
  await expect(nav.getByRole('link', { name: 'Devices' })).toBeHidden()
  await menu.click()
  await expect(menu).toHaveAttribute('aria-expanded', 'true')
  await nav.getByRole('link', { name: 'Devices' }).click()
  await expect(page.getByTestId('devices-page')).toBeVisible()
  // Choosing a page closes the menu again.
  await expect(menu).toHaveAttribute('aria-expanded', 'false')
  await page.screenshot({ path: 'test-results/screenshots/ui-phone-devices.png' })
  await context.close()
})
