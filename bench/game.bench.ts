/**
 * Driving game costs.
 *   1. Simulation step, headless (Node): the full step (road, wind, vehicle, stimuli, KSS, lane events,
 *      telemetry) over 10 simulated minutes of the 60-min scenario, against a raw baseline of only the
 *      vehicle integration in the same run. Budget: 120 steps per second of drive.
 *   2. Frame time in headless Chromium at 1280×720 on the real participant page (/drive/:id) of a
 *      real station, driving with the keyboard for 10 s: JS work per frame (steps + canvas draw, from
 *      performance.now() around the frame callback), the simulation share of it, and the rAF interval;
 *      baselines in the same browser: an empty rAF loop and a full-screen fillRect per frame.
 *
 *   npm run bench -- game        (or: npx tsx bench/game.bench.ts)
 */
import { loadavg } from 'node:os'
import { WebSocket } from 'ws'
import { chromium } from 'playwright-core'
import { createDriveSimulation, createVehicleState, stepVehicle, NEUTRAL_INPUT, type DriveSimulation } from '../src/renderer/src/game/sim'
import { scenarioSchema } from '../src/shared/schemas/scenario'
import monotonous from '../resources/scenarios/monotonous-60min.json' with { type: 'json' }
import { chromiumArgs } from '../test/playwright.config'
import { authHeader, registerAndLogin } from '../test/helpers/auth'
import { signInBrowser } from '../test/helpers/browser-auth'
import { startE2eStation } from '../test/helpers/station-process'

const SIM_SECONDS = 600
const DRIVE_MS = 10_000

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
const fmt = (ms: number) => `${ms.toFixed(3)} ms`

// In-page code as plain strings: tsx's transform would add helpers (`__name`) the page does not have.
const BASELINE_SCRIPT = `new Promise((resolve) => {
  const canvas = document.createElement('canvas')
  canvas.width = 1280
  canvas.height = 720
  document.body.appendChild(canvas)
  const ctx = canvas.getContext('2d')
  const intervals = []
  const fills = []
  let last = 0
  const start = performance.now()
  const frame = (t) => {
    if (last) intervals.push(t - last)
    last = t
    const t0 = performance.now()
    ctx.fillStyle = intervals.length % 2 ? '#333' : '#444'
    ctx.fillRect(0, 0, 1280, 720)
    fills.push(performance.now() - t0)
    if (performance.now() - start < 3000) requestAnimationFrame(frame)
    else resolve({ intervals, fills })
  }
  requestAnimationFrame(frame)
})`
const RESET_SCRIPT = `(() => {
  window.vigilDriveProbe.timings.frameMs.length = 0
  window.vigilDriveProbe.timings.stepMs.length = 0
  window.vigilIntervals = []
  let last = 0
  const tick = (t) => {
    if (last) window.vigilIntervals.push(t - last)
    last = t
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
})()`
const READ_SCRIPT = `({ frameMs: [...window.vigilDriveProbe.timings.frameMs], stepMs: [...window.vigilDriveProbe.timings.stepMs], intervals: [...window.vigilIntervals] })`

/** A deterministic lane keeper, so the step exercises steering, not a car parked on the guardrail. */
function keeper(sim: DriveSimulation) {
  const v = sim.scenario.vehicle
  const maxRad = ((v.maxSteeringWheelDeg / v.steeringRatio) * Math.PI) / 180
  return () => {
    const view = sim.view()
    const rad = Math.atan(v.wheelbaseM * sim.road.curvatureAt(view.vehicle.distanceM)) - 0.004 * view.vehicle.laneOffsetM - 0.12 * view.vehicle.headingRad
    return { ...NEUTRAL_INPUT, steer: Math.max(-1, Math.min(1, rad / maxRad)), isAnalogSteer: true, isButtonDown: view.stimulus !== null }
  }
}

function benchSimulation() {
  const scenario = scenarioSchema.parse(monotonous)
  const steps = SIM_SECONDS * scenario.stepHz
  // warm-up drive, so the figure is the optimised code rather than the JIT's first tiers
  const warm = createDriveSimulation(scenario)
  const warmDrive = keeper(warm)
  warm.command('start')
  for (let i = 0; i < 60 * scenario.stepHz; i++) warm.step(warmDrive())
  const sim = createDriveSimulation(scenario)
  const drive = keeper(sim)
  sim.command('start')
  let events = 0
  let t = performance.now()
  for (let i = 0; i < steps; i++) events += sim.step(drive()).length
  const fullMs = performance.now() - t

  const state = createVehicleState(27.8)
  t = performance.now()
  for (let i = 0; i < steps; i++) stepVehicle(state, { steer: Math.sin(i / 500) * 0.1, isAnalogSteer: true, throttle: 0, brake: 0 }, scenario.vehicle, 0.001, 0.1, 1 / scenario.stepHz)
  const rawMs = performance.now() - t

  const perStepUs = (fullMs / steps) * 1000
  console.log(`simulation step (Node, ${steps} steps = ${SIM_SECONDS} s of drive, ${events} events):`)
  console.log(`  full step          ${perStepUs.toFixed(2)} µs/step   → ${((fullMs / SIM_SECONDS) * 100 / 1000).toFixed(3)}% of real time at ${scenario.stepHz} Hz`)
  console.log(`  raw vehicle only   ${((rawMs / steps) * 1000).toFixed(2)} µs/step   (full / raw = ${(fullMs / rawMs).toFixed(1)}×)`)
}

async function benchBrowser() {
  const station = await startE2eStation()
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
  try {
    const researcher = await registerAndLogin(station.url, { role: 'researcher' })
    const headers = { 'content-type': 'application/json', ...authHeader(researcher.accessToken) }
    const session = (await (
      await fetch(`${station.url}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'game bench', participant_code: 'BENCH', scenario: { id: 'monotonous-60min', seed: 6060 } }) })
    ).json()) as { id: string }
    await fetch(`${station.url}/api/v1/sessions/${session.id}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'recording' }) })

    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 })
    await signInBrowser(page, researcher)

    // baselines first, on a blank page of the same size: what headless rAF and a full-screen fill cost here
    await page.goto(`${station.url}/api/v1/health`)
    const baseline = (await page.evaluate(BASELINE_SCRIPT)) as { intervals: number[]; fills: number[] }

    const operator = new WebSocket(`${station.url.replace(/^http/, 'ws')}/api/v1/ws/session/${session.id}?token=${encodeURIComponent(researcher.accessToken)}`)
    await new Promise((resolve, reject) => {
      operator.once('open', resolve)
      operator.once('error', reject)
    })
    // the Drive page also hosts the face tracker; keep its models out so the figures are the game's
    await page.route('**/api/v1/face-models/**', (route) => route.abort())
    await page.goto(`${station.url}/drive/${session.id}?measure=1`)
    await page.waitForSelector('[data-testid="drive-game"][data-status="ready"]', { timeout: 60_000 })
    operator.send(JSON.stringify({ type: 'game.events', v: 1, seq: 1, events: [{ tMs: Date.now(), event: { kind: 'drive_command', command: 'start' } }] }))
    await page.waitForSelector('[data-testid="drive-game"][data-status="running"]', { timeout: 10_000 })
    await page.evaluate(RESET_SCRIPT)
    const until = Date.now() + DRIVE_MS
    for (let i = 0; Date.now() < until; i++) {
      const key = i % 2 ? 'ArrowLeft' : 'ArrowRight'
      await page.keyboard.down(key)
      await page.waitForTimeout(80)
      await page.keyboard.up(key)
      await page.waitForTimeout(300)
    }
    const drive = (await page.evaluate(READ_SCRIPT)) as { frameMs: number[]; stepMs: number[]; intervals: number[] }
    operator.close()

    console.log(`\nheadless Chromium 1280×720, real /drive page, ${DRIVE_MS / 1000} s of keyboard driving (${drive.frameMs.length} frames):`)
    // performance.now() is coarsened in pages (0.1 ms here), so means are given next to the percentiles
    console.log(`  frame work (steps + draw)   median ${fmt(percentile(drive.frameMs, 50))}   p99 ${fmt(percentile(drive.frameMs, 99))}   mean ${fmt(mean(drive.frameMs))}   over 16.7 ms: ${drive.frameMs.filter((f) => f > 16.7).length}`)
    console.log(`  of which simulation steps   median ${fmt(percentile(drive.stepMs, 50))}   p99 ${fmt(percentile(drive.stepMs, 99))}   mean ${fmt(mean(drive.stepMs))}   (per frame, ~2 steps at 120 Hz)`)
    console.log(`  rAF interval                median ${fmt(percentile(drive.intervals, 50))}   p99 ${fmt(percentile(drive.intervals, 99))}   → ${(1000 / percentile(drive.intervals, 50)).toFixed(1)} fps`)
    console.log(`baselines, same browser:`)
    console.log(`  empty rAF loop interval     median ${fmt(percentile(baseline.intervals, 50))}   p99 ${fmt(percentile(baseline.intervals, 99))}`)
    console.log(`  full-screen fillRect        median ${fmt(percentile(baseline.fills, 50))}   p99 ${fmt(percentile(baseline.fills, 99))}   mean ${fmt(mean(baseline.fills))}`)
    console.log(`  frame work / fillRect (means) = ${(mean(drive.frameMs) / Math.max(0.001, mean(baseline.fills))).toFixed(1)}×;  budget at 60 fps: 16.7 ms`)
  } finally {
    await browser.close()
    await station.stop()
  }
}

console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores shared; stalls in p99 are mostly other processes)`)
benchSimulation()
await benchBrowser()
