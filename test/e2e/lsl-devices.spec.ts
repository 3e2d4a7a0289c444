/**
 * The Devices page and LSL: an amplifier's LSL stream (a Vigil outlet standing in for its app)
 * is listed beside the serial ports, picking it and connecting records it as the headset, and
 * the station's own live outlets (`--lsl`) show with their readers. Loopback only, private ports.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLslOutlet, defaultLslNetworkConfig, lslLocalClock, openLslInlet, resolveStreams, type LslInlet, type LslOutlet } from '../../src/station/lsl/protocol'
import { signInBrowser } from '../helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../helpers/station-process'

const BASE = 43000 + (process.pid % 500) * 4
const LSL = { resolveScope: 'machine' as const, listenAddress: '127.0.0.1', multicastPort: BASE, basePort: BASE + 1, portRange: 3 }
const network = defaultLslNetworkConfig(LSL)
const ADMIN = { email: 'lsl-operator@lab.test', password: 'correct horse battery', full_name: 'LSL Operator' }

let station: E2eStation
let context: BrowserContext
let page: Page
let amp: LslOutlet
let reader: LslInlet | null = null
let pusher: NodeJS.Timeout | null = null

test.describe.configure({ mode: 'serial' })
test.setTimeout(120_000)

test.beforeAll(async ({ browser }) => {
  amp = createLslOutlet(
    { name: 'E2eAmp', type: 'EEG', channelCount: 4, channelFormat: 'float32', nominalSrateHz: 250, sourceId: 'e2e-amp', hostname: 'amp-pc' },
    { network }
  )
  await amp.start()
  let i = 0
  pusher = setInterval(() => {
    const now = lslLocalClock()
    amp.pushChunk(Array.from({ length: 25 }, () => [i, -i, i++, 0]), now)
  }, 100)
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lsl-e2e-'))
  const configFile = join(dir, 'vigil.config.json')
  writeFileSync(configFile, JSON.stringify({ lsl: LSL }))
  chmodSync(configFile, 0o600)
  station = await startE2eStation(['--lsl', '--device', 'none', '--config', configFile])
  await fetch(`${station.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
  const login = await fetch(`${station.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: ADMIN.email, password: ADMIN.password })
  })
  const tokens = (await login.json()) as { access_token: string; refresh_token: string }
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  await signInBrowser(context, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token })
  page = await context.newPage()
  ;(globalThis as { lslToken?: string }).lslToken = tokens.access_token
})

test.afterAll(async () => {
  if (pusher) clearInterval(pusher)
  await reader?.close()
  await context?.close()
  await station?.stop()
  await amp?.stop()
})

test('the Devices page lists the LSL stream and connects it as the headset', async () => {
  await page.goto(`${station.url}/devices`)
  await expect(page.getByTestId('devices-page')).toBeVisible()
  await expect(page.getByTestId('lsl-outlets')).toContainText('nothing is live until a session records')
  await page.getByTestId('device-kind').selectOption('lsl')
  const streams = page.getByTestId('lsl-streams')
  await expect(streams).toContainText('E2eAmp', { timeout: 20_000 })
  await expect(streams).toContainText('4 ch float32 · 250 Hz · amp-pc')
  await streams.getByRole('radio').first().check()
  await expect(page.getByTestId('lsl-predicate')).toHaveValue("name='E2eAmp' and type='EEG' and hostname='amp-pc'")
  await page.getByTestId('device-connect').click()
  await expect(page.getByTestId('device-status-state')).toHaveText('streaming', { timeout: 30_000 })
  await expect(page.getByTestId('device-status')).toContainText('E2eAmp (LSL EEG from amp-pc)')
})

test('a recording session’s outlets show on the page, with their reader', async () => {
  const token = (globalThis as { lslToken?: string }).lslToken!
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const created = (await (await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'lsl e2e', participant_code: 'P-LSL' }) })).json()) as { id: string }
  await fetch(`${station.url}/api/v1/sessions/${created.id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })
  const [eeg] = await resolveStreams({ network, query: "name='vigil-station EEG'", minimum: 1, timeoutMs: 20_000 })
  expect(eeg?.channelCount).toBe(4)
  reader = openLslInlet(eeg!, { network, recover: false, onSamples: () => {} })
  await reader.open()
  await expect(page.getByTestId('lsl-outlets')).toContainText('vigil-station EEG', { timeout: 20_000 })
  await expect(page.getByTestId('lsl-outlets')).toContainText('1 reading', { timeout: 20_000 })
})
