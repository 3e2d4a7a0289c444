/**
 * Lab Streaming Layer (issue 17).
 *   1. Recording: a 64-channel × 1000 Hz float32 outlet recorded by a station started with
 *      `--device lsl:name='BenchAmp'` (in a child process, so its CPU is its own) into a
 *      recording session: samples missing (must be 0), station CPU, SQLite rows/s.
 *   2. Latency push → receive on loopback (median, p99) for Vigil outlet → Vigil inlet, and,
 *      when a liblsl build is at hand, liblsl → liblsl in the same run (LIBLSL_BENCH_DIR: a folder
 *      with `bench_outlet` and `bench_inlet` built against liblsl; docs/lsl.md says how).
 * The outlet is Vigil's own unless LIBLSL_BENCH_DIR is set, then liblsl's bench_outlet feeds the
 * recording too. Everything stays on 127.0.0.1 with private ports (machine scope).
 * Usage: npm run bench -- lsl   (LSL_BENCH_SECONDS=600 for the 10-minute run; default 30)
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createLslOutlet, defaultLslNetworkConfig, lslLocalClock, openLslInlet, resolveStreams, type LslOutlet } from '../src/station/lsl/protocol'

const CHANNELS = 64
const RATE_HZ = 1000
const CHUNK = 10
const SECONDS = Number(process.env.LSL_BENCH_SECONDS ?? 30)
const LATENCY_SECONDS = 10
const LIBLSL = process.env.LIBLSL_BENCH_DIR
const BASE = 47000
const LSL = { resolveScope: 'machine' as const, listenAddress: '127.0.0.1', multicastPort: BASE, basePort: BASE + 1, portRange: 16 }
const network = defaultLslNetworkConfig({ ...LSL })

const f = (n: number, digits = 2): string => n.toFixed(digits)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

/** Child mode: a station recording `lsl:name='BenchAmp'`; prints its pid, then figures on "stop". */
async function stationChild(): Promise<void> {
  const { loadConfig } = await import('../src/station/config')
  const { createStation } = await import('../src/station/station')
  const { createLogger } = await import('../src/station/logger')
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-lsl-bench-'))
  const config = loadConfig({ env: {}, base: { dataDir, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'lsl', path: "name='BenchAmp'" }, lsl: LSL, log: { level: 'warn' }, auth: { bcryptCost: 4 } } })
  const station = createStation(config, { logger: createLogger('warn') })
  await station.start()
  const inject = async (method: 'POST' | 'PATCH', url: string, payload: object, token?: string): Promise<Record<string, unknown>> =>
    JSON.parse((await station.server.inject({ method, url: `/api/v1${url}`, payload, headers: token ? { authorization: `Bearer ${token}` } : {} })).body) as Record<string, unknown>
  await inject('POST', '/auth/register', { email: 'bench@example.org', password: 'correct horse battery staple', full_name: 'Bench' })
  const login = await inject('POST', '/auth/login', { email: 'bench@example.org', password: 'correct horse battery staple' })
  const token = String(login.access_token ?? login.accessToken)
  const session = await inject('POST', '/sessions', { name: 'lsl bench', participant_code: 'B01' }, token)
  await inject('PATCH', `/sessions/${String(session.id)}`, { status: 'recording' }, token)
  console.log(JSON.stringify({ pid: process.pid, sessionId: session.id }))
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'stop') continue
    await inject('PATCH', `/sessions/${String(session.id)}`, { status: 'completed' }, token)
    const stats = station.ctx.devices.status().stats
    const row = station.ctx.db.prepare('SELECT COUNT(*) AS n, MIN(seq) AS first, MAX(seq) AS last FROM eeg_samples WHERE session_id = ?').get(String(session.id)) as { n: number; first: number; last: number }
    console.log(JSON.stringify({ rows: row.n, firstSeq: row.first, lastSeq: row.last, stats }))
    await station.stop()
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
}

/** Pushes CHUNK samples every CHUNK ms, stamped now, until `seconds` pass; returns how many. */
async function runVigilOutlet(outlet: LslOutlet, seconds: number): Promise<number> {
  let sent = 0
  const start = performance.now()
  const row = Array.from({ length: CHANNELS }, (_, c) => c)
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * RATE_HZ)
    const chunk: number[][] = []
    while (sent + chunk.length < due) chunk.push(row.map((v) => v + sent + chunk.length))
    if (chunk.length > 0) outlet.pushChunk(chunk, lslLocalClock())
    sent += chunk.length
    await sleep(CHUNK)
  }
  return sent
}

async function latencyVigil(): Promise<{ medianMs: number; p99Ms: number; n: number }> {
  const outlet = createLslOutlet({ name: 'LatencyAmp', type: 'EEG', channelCount: CHANNELS, channelFormat: 'float32', nominalSrateHz: RATE_HZ, sourceId: 'bench-latency' }, { network })
  await outlet.start()
  const [info] = await resolveStreams({ network, query: "name='LatencyAmp'", minimum: 1, timeoutMs: 5000 })
  const latencies: number[] = []
  const inlet = openLslInlet(info!, {
    network,
    onSamples: (samples) => {
      const now = lslLocalClock()
      // Only the last sample of a chunk carries "now" as its stamp; the others are older by design.
      latencies.push((now - samples.at(-1)!.timestamp) * 1000)
    }
  })
  await inlet.open()
  // Push one sample at a time, stamped at push: the latency LSL users measure.
  const start = performance.now()
  const row: number[] = Array.from({ length: CHANNELS }, () => 1)
  while (performance.now() - start < LATENCY_SECONDS * 1000) {
    outlet.pushSample(row, lslLocalClock())
    await sleep(1)
  }
  await inlet.close()
  await outlet.stop()
  const sorted = latencies.toSorted((a, b) => a - b)
  return { medianMs: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), n: sorted.length }
}

async function latencyLiblsl(dir: string): Promise<string> {
  const cfg = join(mkdtempSync(join(tmpdir(), 'lslcfg-')), 'lsl_api.cfg')
  writeFileSync(cfg, `[ports]\nIPv6 = disable\nMulticastPort = ${BASE + 100}\nBasePort = ${BASE + 101}\n[multicast]\nResolveScope = machine\n`)
  const env = { ...process.env, LSLAPICFG: cfg }
  const outlet = spawn(join(dir, 'bench_outlet'), ['LibLatency', String(CHANNELS), String(RATE_HZ), String(LATENCY_SECONDS + 5), '1'], { env, stdio: 'ignore' })
  try {
    const inlet = spawn(join(dir, 'bench_inlet'), ["name='LibLatency'", String(LATENCY_SECONDS)], { env, stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    inlet.stdout.on('data', (d: Buffer) => (out += d.toString()))
    await new Promise((r) => inlet.on('close', r))
    return out.trim()
  } finally {
    outlet.kill()
  }
}

async function main(): Promise<void> {
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  console.log(`recording: ${CHANNELS} ch × ${RATE_HZ} Hz float32 for ${SECONDS} s via --device lsl:..., outlet: ${LIBLSL ? 'liblsl bench_outlet' : 'Vigil'}`)
  let outlet: LslOutlet | null = null
  let liblslOutlet: ReturnType<typeof spawn> | null = null
  if (!LIBLSL) {
    outlet = createLslOutlet({ name: 'BenchAmp', type: 'EEG', channelCount: CHANNELS, channelFormat: 'float32', nominalSrateHz: RATE_HZ, sourceId: 'bench-amp' }, { network })
    await outlet.start()
  }
  const here = fileURLToPath(import.meta.url)
  const child = spawn(process.execPath, ['--import', 'tsx', here, '--station'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  // The station logs to stdout too; its own reports are the lines with our keys.
  const nextReport = async <T>(key: string): Promise<T> => {
    for (;;) {
      const { value, done } = await lines.next()
      if (done) throw new Error('the station child exited')
      const parsed = JSON.parse(value as string) as Record<string, unknown>
      if (key in parsed) return parsed as T
    }
  }
  const { pid } = await nextReport<{ pid: number }>('pid')
  if (LIBLSL) {
    // Started once the session records: the station's headset wait picks it up, and every
    // sample it pushes (it waits for its consumer) belongs in the session.
    const cfg = join(mkdtempSync(join(tmpdir(), 'lslcfg-')), 'lsl_api.cfg')
    writeFileSync(cfg, `[ports]\nIPv6 = disable\nMulticastPort = ${BASE}\nBasePort = ${BASE + 1}\nPortRange = 16\n[multicast]\nResolveScope = machine\n`)
    liblslOutlet = spawn(join(LIBLSL, 'bench_outlet'), ['BenchAmp', String(CHANNELS), String(RATE_HZ), String(SECONDS), '0'], { env: { ...process.env, LSLAPICFG: cfg }, stdio: ['ignore', 'pipe', 'inherit'] })
  }
  try {
    const cpu0 = cpuSecondsOf(pid)
    const wall0 = performance.now()
    let pushed: number
    if (outlet) {
      while (outlet.consumerCount === 0) await sleep(20)
      pushed = await runVigilOutlet(outlet, SECONDS)
    } else {
      let text = ''
      liblslOutlet!.stdout!.on('data', (d: Buffer) => (text += d.toString()))
      await new Promise((r) => liblslOutlet!.on('close', r))
      pushed = Number(/PUSHED (\d+)/.exec(text)?.[1] ?? Number.NaN)
    }
    // Let the last chunk arrive and the recorder commit it.
    await sleep(1500)
    const wallS = (performance.now() - wall0) / 1000
    const cpuPct = ((cpuSecondsOf(pid) - cpu0) / wallS) * 100
    child.stdin!.write('stop\n')
    const result = await nextReport<{ rows: number; firstSeq: number; lastSeq: number; stats: { samplesDropped: number; gaps: number } }>('rows')
    const missing = pushed - result.rows
    console.log(`  pushed ${pushed}, stored ${result.rows} rows (seq ${result.firstSeq}..${result.lastSeq}); samples missing ${missing}; gaps reported ${result.stats.gaps} (${result.stats.samplesDropped} samples)`)
    console.log(`  station CPU ${f(cpuPct, 1)} % of one core; SQLite ${f(result.rows / SECONDS, 0)} rows/s (target ${RATE_HZ})`)
    if (missing !== 0) process.exitCode = 1
  } finally {
    child.kill()
    await outlet?.stop()
    liblslOutlet?.kill()
  }
  const v = await latencyVigil()
  console.log(`latency push → receive, loopback, ${CHANNELS} ch, one sample per push:`)
  console.log(`  Vigil → Vigil:   median ${f(v.medianMs, 3)} ms, p99 ${f(v.p99Ms, 3)} ms (${v.n} receives)`)
  if (LIBLSL && existsSync(join(LIBLSL, 'bench_inlet'))) console.log(`  liblsl → liblsl: ${await latencyLiblsl(LIBLSL)}`)
  else console.log('  liblsl → liblsl: skipped (set LIBLSL_BENCH_DIR, see docs/lsl.md)')
}

if (process.argv.includes('--station')) await stationChild()
else await main()
