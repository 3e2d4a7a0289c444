/**
 * Abusive WebSocket producers against a healthy client (issue 23 item 12). Before the byte budget, one
 * producer of 770 KB frames raised another client's ping p50 from 1 to 104 ms, and four producers its
 * p99 to 941 ms and the station's memory by 144 MB. The station runs in a child process; this process
 * plays a healthy client (an app-level `ping` every 20 ms on its own session, round trip measured) and
 * 0, 1 or 4 producers sending ~770 KB `eeg.samples` frames as fast as their sockets take them.
 * Each configuration runs twice: with the station's limits (defaults) and with them lifted (the old
 * behaviour), so the ratios against the quiet run of the same station show what the limits buy.
 * Target: the healthy client's p99 stays under 50 ms with the limits on.
 * Usage: npm run bench -- ws-abuse   (ABUSE_SECONDS=5 per phase; ABUSE_OPTIONS='{...}' overrides hub options
 * for the run with limits)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'

const SECONDS = Number(process.env.ABUSE_SECONDS ?? 5)
const PING_EVERY_MS = 20
/** 5000 samples × 22 channels as JSON: about 760 KB, under the 1 MiB maxPayload. */
const FRAME_SAMPLES = 5000
const FRAME_CHANNELS = 22
/** A producer sends again once its socket holds less than this (it floods, but does not eat its own memory). */
const PRODUCER_BUFFER_BYTES = 4 * 1024 * 1024

interface StationInfo {
  url: string
  /** [0] the healthy client's session, [1] the abusers'. */
  sessionIds: string[]
  token: string
  pid: number
}

// ---- child: a station with one admin and two recording sessions ---------------------------------

async function runStation(unlimited: boolean): Promise<void> {
  const { loadConfig } = await import('../src/station/config')
  const { createLogger } = await import('../src/station/logger')
  const { createStation } = await import('../src/station/station')
  const { signAccessToken } = await import('../src/station/auth/tokens')
  const { newId, nowIso } = await import('../src/station/ids')
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-abuse-'))
  const config = loadConfig({ env: {}, base: { dataDir, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'none' }, log: { level: 'silent' } } })
  const station = createStation(config, { logger: createLogger('silent') })
  await station.start()
  // The old behaviour: no byte or handling-time budget, no loop guard, no producer cap (the message rate limit stays, as it was).
  if (unlimited) {
    Object.assign(station.ctx.hub.options, { maxBytesPerS: 1e15, burstBytes: 1e15, maxBusyMsPerS: 1e15, burstBusyMs: 1e15, maxLoopLagMs: 1e15, maxProducersPerSession: 1e6 })
  } else if (process.env.ABUSE_OPTIONS) {
    // Trying other limits: ABUSE_OPTIONS='{"maxBusyMsPerS": 50}'.
    Object.assign(station.ctx.hub.options, JSON.parse(process.env.ABUSE_OPTIONS) as object)
  }
  const { db, stationId } = station.ctx
  const userId = newId()
  const sessionIds = [newId(), newId()]
  const now = nowIso()
  db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (?, 'bench@lab.test', 'admin', 'x', ?, ?)").run(userId, now, now)
  const insertSession = db.prepare(
    "INSERT INTO sessions (id, station_id, name, participant_code, status, started_at, created_by, created_at, updated_at) VALUES (?, ?, 'bench', 'B01', 'recording', ?, ?, ?, ?)"
  )
  for (const id of sessionIds) insertSession.run(id, stationId, now, userId, now, now)
  const { token } = await signAccessToken(station.ctx, { id: userId })
  console.log(JSON.stringify({ url: station.url, sessionIds, token, pid: process.pid } satisfies StationInfo))
  const stop = async (): Promise<void> => {
    await station.stop()
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  createInterface({ input: process.stdin }).on('line', () => {
    console.log(JSON.stringify({ rssMb: process.memoryUsage().rss / 2 ** 20, throttledPauses: station.ctx.hub.stats().throttledPauses }))
  })
  process.stdin.on('end', () => void stop())
}

// ---- parent -------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const f = (n: number, d = 1): string => n.toFixed(d)

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

function connect(info: StationInfo, session: number): Promise<WebSocket> {
  const ws = new WebSocket(`${info.url.replace(/^http/, 'ws')}/api/v1/ws/session/${info.sessionIds[session]}`, ['bearer', info.token])
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function bigFrame(seq: number, firstSampleSeq: number): string {
  const t0 = Date.now() - FRAME_SAMPLES
  const tMs: number[] = []
  const samplesUv: number[][] = []
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    tMs.push(t0 + i)
    const row: number[] = []
    for (let c = 0; c < FRAME_CHANNELS; c++) row.push(Math.round(Math.sin((firstSampleSeq + i) / 25 + c) * 4000) / 100)
    samplesUv.push(row)
  }
  return JSON.stringify({ type: 'eeg.samples', seq, firstSampleSeq, tMs, samplesUv })
}

/** One producer flooding until `stop()`: frames as fast as its socket drains. */
async function abuser(info: StationInfo, index: number): Promise<{ stop(): Promise<number> }> {
  const ws = await connect(info, 1)
  ws.on('message', () => {})
  ws.on('error', () => {})
  let seq = 0
  const stopped = new AbortController()
  let sentBytes = 0
  const loop = async (): Promise<void> => {
    while (!stopped.signal.aborted && ws.readyState === ws.OPEN) {
      if (ws.bufferedAmount > PRODUCER_BUFFER_BYTES) {
        await sleep(5)
        continue
      }
      // Distinct sample sequences per producer and frame, so every frame is new data to store.
      const frame = bigFrame(seq, (index * 1_000_000 + seq) * FRAME_SAMPLES)
      seq++
      sentBytes += frame.length
      ws.send(frame)
      await new Promise((r) => setImmediate(r))
    }
  }
  const done = loop()
  return {
    async stop() {
      stopped.abort()
      await done
      ws.terminate()
      return sentBytes
    }
  }
}

interface Phase {
  p50Ms: number
  p99Ms: number
  maxMs: number
  unanswered: number
  rssMb: number
  throttledPauses: number
  sentMb: number
}

async function phase(info: StationInfo, producers: number, stationStats: () => Promise<{ rssMb: number; throttledPauses: number }>): Promise<Phase> {
  const healthy = await connect(info, 0)
  const sentAt = new Map<number, number>()
  const rtts: number[] = []
  healthy.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; id?: number }
    if (msg.type !== 'pong' || typeof msg.id !== 'number') return
    const t = sentAt.get(msg.id)
    if (t !== undefined) rtts.push(performance.now() - t)
    sentAt.delete(msg.id)
  })
  const abusers = await Promise.all(Array.from({ length: producers }, (_, i) => abuser(info, i)))
  // Let the flood build up before measuring.
  await sleep(producers > 0 ? 1000 : 200)
  const start = performance.now()
  let id = 0
  while (performance.now() - start < SECONDS * 1000) {
    sentAt.set(id, performance.now())
    healthy.send(JSON.stringify({ type: 'ping', id: id++ }))
    await sleep(PING_EVERY_MS)
  }
  const stats = await stationStats()
  const sentBytes = (await Promise.all(abusers.map((a) => a.stop()))).reduce((a, b) => a + b, 0)
  // Late answers still count as their round trip; give them a moment.
  await sleep(1000)
  healthy.terminate()
  await sleep(300)
  const sorted = rtts.sort((a, b) => a - b)
  return {
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    unanswered: sentAt.size,
    rssMb: stats.rssMb,
    throttledPauses: stats.throttledPauses,
    sentMb: sentBytes / 2 ** 20
  }
}

async function configuration(unlimited: boolean): Promise<void> {
  const here = fileURLToPath(import.meta.url)
  const child = spawn(process.execPath, ['--import', 'tsx', here, '--station', ...(unlimited ? ['--unlimited'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const info = JSON.parse((await lines.next()).value as string) as StationInfo
  const stationStats = async (): Promise<{ rssMb: number; throttledPauses: number }> => {
    child.stdin!.write('stats\n')
    return JSON.parse((await lines.next()).value as string) as { rssMb: number; throttledPauses: number }
  }
  try {
    console.log(unlimited ? 'limits lifted (the old behaviour):' : 'station limits (defaults):')
    await phase(info, 0, stationStats) // warm-up, not counted
    const quiet = await phase(info, 0, stationStats)
    const line = (name: string, p: Phase): string =>
      `  ${name.padEnd(12)} ping p50 ${f(p.p50Ms, 2)} ms (×${f(p.p50Ms / quiet.p50Ms)}), p99 ${f(p.p99Ms, 2)} ms (×${f(p.p99Ms / quiet.p99Ms)}), max ${f(p.maxMs)} ms, unanswered ${p.unanswered}; station RSS ${f(p.rssMb, 0)} MB (${p.rssMb >= quiet.rssMb ? '+' : ''}${f(p.rssMb - quiet.rssMb, 0)}); producers sent ${f(p.sentMb, 0)} MB; reading paused ${p.throttledPauses}×`
    console.log(line('quiet', quiet))
    const one = await phase(info, 1, stationStats)
    console.log(line('1 producer', one))
    const four = await phase(info, 4, stationStats)
    console.log(line('4 producers', four))
    if (!unlimited) console.log(`  healthy client p99 under 50 ms with abusers: ${one.p99Ms < 50 && four.p99Ms < 50 ? 'met' : 'NOT met'}`)
  } finally {
    child.stdin!.end()
    await new Promise((r) => child.once('exit', r))
  }
}

async function main(): Promise<void> {
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  console.log(`healthy client: app-level ping every ${PING_EVERY_MS} ms for ${SECONDS} s per phase; producers: ~770 KB eeg.samples frames, as fast as the socket takes them`)
  await configuration(false)
  await configuration(true)
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
}

if (process.argv.includes('--station')) await runStation(process.argv.includes('--unlimited'))
else await main()
