/**
 * Live-view rendering (issue 9): frames per second and main-thread time of /sessions/:id/live in
 * headless Debian Chromium, fed by a real station streaming its simulated headset, at 8 ch × 250 Hz
 * and 32 ch × 1000 Hz; then the JS heap over a long run (scaled down: RENDER_HEAP_MINUTES, default 3,
 * instead of the 10), sampled after a forced GC, to show memory stays flat.
 *
 * Baseline, measured in the same run: a bare requestAnimationFrame loop on an empty page (what this
 * headless Chromium delivers at best). Reported: live fps / raw fps, and main-thread busy share
 * (Chrome's TaskDuration per wall second). Without a GPU Chromium rasterises the canvas in software,
 * and the station shares the 2 cores with the browser, so treat the figures as a floor.
 *
 * Usage: npm run bench -- render   (RENDER_SECONDS=15 per measurement, RENDER_HEAP_MINUTES=3)
 */
import { loadavg } from 'node:os'
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core'
import { chromiumArgs } from '../test/playwright.config'
import { authHeader, registerAndLogin } from '../test/helpers/auth'
import { signInBrowser } from '../test/helpers/browser-auth'
import { startE2eStation, type E2eStation } from '../test/helpers/station-process'

const SECONDS = Number(process.env.RENDER_SECONDS ?? 15)
const HEAP_MINUTES = Number(process.env.RENDER_HEAP_MINUTES ?? 3)
const VIEWPORT = { width: 1600, height: 1000 }

interface Window {
  fps: number
  busyShare: number
  scriptShare: number
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
  return Object.fromEntries(list.map((m) => [m.name, m.value]))
}

/** rAF callbacks per second and main-thread busy share over `seconds`. */
async function measure(page: Page, cdp: CDPSession, seconds: number): Promise<Window> {
  const before = await metrics(cdp)
  // A string, not a function: tsx would wrap named inner functions in a `__name` helper the page lacks.
  const frames = (await page.evaluate(`new Promise((resolve) => {
    let count = 0
    const start = performance.now()
    const tick = (now) => {
      count++
      if (now - start < ${seconds * 1000}) requestAnimationFrame(tick)
      else resolve((count * 1000) / (now - start))
    }
    requestAnimationFrame(tick)
  })`)) as number
  const after = await metrics(cdp)
  const wallS = after.Timestamp - before.Timestamp
  return { fps: frames, busyShare: (after.TaskDuration - before.TaskDuration) / wallS, scriptShare: (after.ScriptDuration - before.ScriptDuration) / wallS }
}

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage')
  return (await metrics(cdp)).JSHeapUsedSize / 1024 / 1024
}

async function openLiveView(browser: Browser, station: E2eStation): Promise<{ page: Page; cdp: CDPSession }> {
  const user = await registerAndLogin(station.url, { role: 'researcher' })
  const headers = { 'content-type': 'application/json', ...authHeader(user.accessToken) }
  const created = (await (await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'render bench', participant_code: 'BENCH' }) })).json()) as { id: string }
  await fetch(`${station.url}/api/v1/sessions/${created.id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })

  const context = await browser.newContext({ viewport: VIEWPORT })
  await signInBrowser(context, user)
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  await page.goto(`${station.url}/sessions/${created.id}/live`)
  await page.getByTestId('quality-badges').getByText(/Ch|Fp1/).first().waitFor({ timeout: 60_000 })
  await page.waitForTimeout(3000)
  return { page, cdp }
}

function row(label: string, w: Window, raw: Window): string {
  return `${label.padEnd(26)} ${w.fps.toFixed(1).padStart(6)} fps (${(w.fps / raw.fps).toFixed(2)} × raw)   main thread busy ${(w.busyShare * 100).toFixed(1).padStart(5)}%   script ${(w.scriptShare * 100).toFixed(1).padStart(5)}%`
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
try {
  const blank = await browser.newPage({ viewport: VIEWPORT })
  const blankCdp = await blank.context().newCDPSession(blank)
  await blankCdp.send('Performance.enable')
  await blank.setContent('<!doctype html><title>raw</title><body style="background:#000"></body>')
  const raw = await measure(blank, blankCdp, SECONDS)
  await blank.close()
  console.log(`render bench: ${SECONDS} s per measurement, viewport ${VIEWPORT.width}×${VIEWPORT.height}, headless Chromium (software raster), station on the same 2 cores, load average ${loadavg()[0].toFixed(1)}`)
  console.log(row('raw rAF loop (baseline)', raw, raw))

  for (const [channels, rateHz, isHeapRun] of [
    [8, 250, false],
    [32, 1000, true]
  ] as const) {
    const station = await startE2eStation(['--sim-channels', String(channels), '--sim-rate', String(rateHz)])
    try {
      const { page, cdp } = await openLiveView(browser, station)
      console.log(row(`live view ${channels} ch × ${rateHz} Hz`, await measure(page, cdp, SECONDS), raw))
      if (isHeapRun) {
        const samples: string[] = []
        const start = Date.now()
        const first = await heapMb(cdp)
        samples.push(`0 min ${first.toFixed(1)} MB`)
        const stepMs = Math.max(15_000, (HEAP_MINUTES * 60_000) / 6)
        while (Date.now() - start < HEAP_MINUTES * 60_000) {
          await page.waitForTimeout(stepMs)
          samples.push(`${((Date.now() - start) / 60_000).toFixed(1)} min ${(await heapMb(cdp)).toFixed(1)} MB`)
        }
        const last = await heapMb(cdp)
        console.log(`JS heap after GC, ${channels} ch × ${rateHz} Hz, ${HEAP_MINUTES} min (scaled down from 10): ${samples.join(', ')}`)
        console.log(`heap growth over the run: ${(last - first).toFixed(2)} MB (${(((last - first) / first) * 100).toFixed(1)}%)`)
        console.log(row(`after ${HEAP_MINUTES} min streaming`, await measure(page, cdp, SECONDS), raw))
      }
      await page.context().close()
    } finally {
      await station.stop()
    }
  }
} finally {
  await browser.close()
}
