/**
 * Every page names itself: the browser tab's title says which page it is, and the page has exactly
 * one `<h1>` (issue 21, "per-page document titles and one <h1> per page").
 */
import { expect, test } from '@playwright/test'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, STATION_HOOK_TIMEOUT_MS, type E2eStation } from '../helpers/station-process'

let station: E2eStation | undefined

test.afterAll(async () => {
  await station?.stop()
})

test('each page has its own document title and exactly one h1', async ({ browser }) => {
  test.setTimeout(STATION_HOOK_TIMEOUT_MS + 90_000)
  station = await startE2eStation([])
  const url = station.url
  const admin = await registerAndLogin(url, { role: 'admin' })
  forgetStation(url)
  const headers = { 'content-type': 'application/json', ...authHeader(admin.accessToken) }
  const created = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'titled', participant_code: 'P-TITLE' }) })
  const { id } = (await created.json()) as { id: string }

  const signedOut = await browser.newContext()
  const login = await signedOut.newPage()
  await login.goto(url)
  await expect(login.getByTestId('login-form')).toBeVisible({ timeout: 30_000 })
  await expect(login).toHaveTitle('Sign in · Vigil')
  await expect(login.locator('h1')).toHaveCount(1)
  await signedOut.close()

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await signInBrowser(context, admin)
  const page = await context.newPage()
  const pages: [string, string, string][] = [
    ['/monitor', 'Monitor · Vigil', 'Monitor'],
    ['/sessions', 'Sessions · Vigil', 'Sessions'],
    [`/sessions/${id}`, 'Session · Vigil', 'titled'],
    [`/sessions/${id}/live`, 'Live view · Vigil', 'titled'],
    ['/devices', 'Devices · Vigil', 'Devices'],
    ['/sync', 'Sync · Vigil', 'Sync'],
    ['/admin/users', 'Users · Vigil', 'Users'],
    ['/admin/audit', 'Audit trail · Vigil', 'Audit trail'],
    ['/no-such-page', 'Page not found · Vigil', 'Page not found']
  ]
  for (const [path, title, heading] of pages) {
    await page.goto(`${url}${path}`)
    await expect(page.locator('h1')).toHaveCount(1, { timeout: 30_000 })
    await expect(page.locator('h1')).toContainText(heading)
    await expect(page).toHaveTitle(title)
  }
  await context.close()
})
