/**
 * The admin's Audit page against a real station: the nav entry only admins see, the table with what
 * happened (sign-ins, a failed attempt, a role change, a session), the filters, and "Download CSV"
 * giving the rows the table shows. Screenshot: test-results/screenshots/audit-page.png.
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { authHeader, login, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

const SHOTS = 'test-results/screenshots'

let station: E2eStation
let dataDir: string
let admin: LoggedInUser
let student: LoggedInUser

test.describe.configure({ mode: 'serial' })
test.setTimeout(120_000)

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-e2e-audit-'))
  // Cheap bcrypt: this test is about the page, not the hasher.
  writeFileSync(join(dataDir, 'vigil.config.json'), JSON.stringify({ auth: { bcryptCost: 4 } }))
  station = await startE2eStation(['--device', 'none'], { dataDir })
  admin = await registerAndLogin(station.url, { role: 'admin', email: 'audit-admin@lab.test' })
  student = await registerAndLogin(station.url, { role: 'student', email: 'audit-student@lab.test' })
  // Made a researcher by the admin: a role change on record.
  await registerAndLogin(station.url, { role: 'researcher', email: 'audit-researcher@lab.test' })
  await expect(login(station.url, 'Intruder@Lab.test', 'not the password')).rejects.toThrow(/401/)
  const res = await fetch(`${station.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeader(admin.accessToken) },
    body: JSON.stringify({ name: 'audited drive', participant_code: 'P-A1' })
  })
  expect(res.status).toBe(201)
})

test.afterAll(async () => {
  await station?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

async function openAs(browser: Browser, user: LoggedInUser, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, acceptDownloads: true })
  await signInBrowser(context, user)
  const page = await context.newPage()
  await page.goto(`${station.url}${path}`)
  await expect(page.getByTestId('current-user')).toBeVisible()
  return page
}

function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })
}

test('an admin finds the Audit page in the navigation and sees what happened', async ({ browser }) => {
  const page = await openAs(browser, admin, '/monitor')
  await nav(page, 'Audit').click()
  await expect(page).toHaveURL(/\/admin\/audit$/)
  const table = page.getByTestId('audit-table')
  await expect(table).toBeVisible()
  for (const action of ['settings.changed', 'auth.registered', 'auth.login_succeeded', 'auth.login_failed', 'user.role_changed', 'session.created']) {
    await expect(table.locator(`[data-action="${action}"]`).first()).toBeVisible()
  }
  await expect(table.locator('[data-action="auth.login_failed"]')).toContainText('intruder@lab.test')
  await page.screenshot({ path: `${SHOTS}/audit-page.png` })
  await page.context().close()
})

test('filters narrow the table, and Download CSV gives the same rows', async ({ browser }) => {
  const page = await openAs(browser, admin, '/admin/audit')
  await page.getByTestId('audit-filter-action').selectOption('auth.login_failed')
  const rows = page.getByTestId('audit-row')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('intruder@lab.test')

  await page.getByTestId('audit-filter-action').selectOption('')
  await page.getByTestId('audit-filter-actor').fill('audit-student@lab.test')
  await expect(rows.first()).toBeVisible()
  await expect.poll(async () => new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).has('auth.login_succeeded')).toBe(true)
  const shown = await rows.count()
  for (const cell of await rows.locator('td:nth-child(2)').allTextContents()) expect(cell).toBe('audit-student@lab.test')

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-download').click()])
  expect(download.suggestedFilename()).toMatch(/^vigil-audit-.*\.csv$/)
  const lines = readFileSync((await download.path())!, 'utf8').trim().split('\r\n')
  expect(lines[0]).toBe('id,station_id,time,actor_id,actor_email,action,target_type,target_id,client_address,detail')
  expect(lines.slice(1)).toHaveLength(shown)
  for (const line of lines.slice(1)) expect(line).toContain(',audit-student@lab.test,')

  await page.getByTestId('audit-filter-actor').fill('nobody-at-all@lab.test')
  await expect(page.getByText('No audit entry matches these filters')).toBeVisible()
  await page.context().close()
})

test('a student has no Audit entry and is refused the page', async ({ browser }) => {
  const page = await openAs(browser, student, '/monitor')
  await expect(nav(page, 'Sessions')).toBeVisible()
  await expect(nav(page, 'Audit')).toHaveCount(0)
  await page.goto(`${station.url}/admin/audit`)
  // The app's role gate explains the page before the page itself would refuse (permission-aware UI).
  await expect(page.getByText('This page is not available to your role')).toBeVisible()
  await expect(page.getByText('It is for admins.')).toBeVisible()
  await expect(page.getByTestId('audit-table')).toHaveCount(0)
  await page.context().close()
})
