/**
 * Sync throughput, SQLite → PostgreSQL (issue 7). One recording of 8-channel 250 Hz EEG (default one hour:
 * 900,000 samples) is generated into a temporary SQLite, then moved into fresh, migrated central
 * databases (same schema, keys and indexes every time) several ways, in the same run:
 *   - raw text COPY: rows read with better-sqlite3 and COPY'd as text straight into eeg_data
 *     (no staging, no dedupe, no cursor: not retry-safe), 50,000 rows per COPY;
 *   - raw binary COPY: the same with PostgreSQL's binary format (Vigil's encoder, nothing else);
 *   - the sync engine, method `copy` (cursor committed locally after each central commit), batches of
 *     5,000 rows (the default): new rows by binary COPY straight into eeg_data, replays through the
 *     staging table + INSERT ... ON CONFLICT DO NOTHING;
 *   - the same engine replaying every row (all duplicates);
 *   - the sync engine, method `unnest` (INSERT ... SELECT unnest(...) ON CONFLICT DO NOTHING).
 * The machine is shared, so raw binary COPY, engine and replay run in SYNC_BENCH_ROUNDS interleaved rounds
 * (default 3); each figure is the median over rounds and each ratio the median of the per-round ratios
 * (engine and baseline measured back to back). Text COPY and unnest run once, in the first round.
 * The engine's time for all rows is the catch-up time of a recording made offline.
 * Also printed: the load average, and bytes per sample of eeg_data (heap + indexes) after the load.
 *
 *   npm run bench -- sync        (SYNC_BENCH_SECONDS=600 for a 10-minute recording, SYNC_BENCH_ROUNDS=1 for one round)
 * Target: ≥ 100,000 EEG rows/s through the engine and ≥ 0.5 × raw COPY.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Client } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { createLogger } from '../src/station/logger'
import { newId } from '../src/station/ids'
import { openLocalDatabase, type LocalDatabase } from '../src/station/storage/database'
import { createEegSamplesRepository } from '../src/station/storage/eeg-samples.repository'
import { migrateCentral } from '../src/station/sync/central-migrations'
import { encodeCopyBinary } from '../src/station/sync/pg-encoding'
import { EEG_STREAM } from '../src/station/sync/streams'
import { createSyncEngine, type IngestMethod } from '../src/station/sync/sync-engine'

const SECONDS = Number(process.env.SYNC_BENCH_SECONDS ?? 3600)
const ROUNDS = Math.max(1, Number(process.env.SYNC_BENCH_ROUNDS ?? 3))
const RATE_HZ = 250
const CHANNELS = 8
const RAW_CHUNK = 50_000
const ADMIN_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

function urlOf(db: string): string {
  const u = new URL(ADMIN_URL)
  u.pathname = `/${db}`
  return u.toString()
}

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL })
  await c.connect()
  await c.query(sql)
  await c.end()
}

const created: string[] = []
async function freshCentral(tag: string): Promise<string> {
  const name = `vigil_sync_bench_${tag}_${process.pid}`
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin(`CREATE DATABASE ${name}`)
  if (!created.includes(name)) created.push(name)
  const url = urlOf(name)
  await migrateCentral(url)
  return url
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

function seed(db: LocalDatabase, stationId: string): number {
  const samples = SECONDS * RATE_HZ
  const userId = newId()
  const sessionId = newId()
  const t0 = Date.UTC(2026, 10, 3, 9)
  const iso = new Date(t0).toISOString()
  db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (?, 'bench@lab', 'researcher', 'x', ?, ?)").run(userId, iso, iso)
  db.prepare(
    "INSERT INTO sessions (id, station_id, name, participant_code, status, created_by, created_at, updated_at) VALUES (?, ?, 'bench', 'P-1', 'completed', ?, ?, ?)"
  ).run(sessionId, stationId, userId, iso, iso)
  const eegSamples = createEegSamplesRepository(db)
  let x = 1
  const insertAll = db.transaction(() => {
    for (let first = 0; first < samples; first += RATE_HZ) {
      const n = Math.min(RATE_HZ, samples - first)
      const block = { firstSeq: first, channelCount: CHANNELS, timestampsMs: new Float64Array(n), samplesUv: new Float32Array(n * CHANNELS) }
      for (let i = 0; i < n; i++) {
        block.timestampsMs[i] = t0 + (first + i) * (1000 / RATE_HZ)
        // Noise-like µV values (xorshift), as EEG compresses about as badly.
        for (let c = 0; c < CHANNELS; c++) {
          x ^= x << 13
          x ^= x >>> 17
          x ^= x << 5
          block.samplesUv[i * CHANNELS + c] = ((x >>> 0) / 4294967296 - 0.5) * 200
        }
      }
      eegSamples.insertBlock(sessionId, block)
    }
  })
  insertAll()
  return samples
}

/** ISO-8601 with microseconds, as PostgreSQL's text input wants it. */
function isoMicros(tMs: number): string {
  const us = Math.round(tMs * 1000)
  const ms = Math.floor(us / 1000)
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}Z`
}

async function rawCopy(db: LocalDatabase, url: string, format: 'text' | 'binary'): Promise<number> {
  const client = new Client({ connectionString: url })
  await client.connect()
  const read = db.prepare('SELECT id, session_id, t_ms, seq, values_f32 FROM eeg_samples ORDER BY id').raw()
  const started = performance.now()
  let chunk: unknown[][] = []
  const flush = async () => {
    if (chunk.length === 0) return
    const rows = chunk
    chunk = []
    if (format === 'binary') {
      const data = encodeCopyBinary(EEG_STREAM.columns, rows.map((r) => EEG_STREAM.toCentral(r, '')))
      await pipeline(Readable.from([data]), client.query(copyFrom('COPY eeg_data (session_id, time, seq, values_uv) FROM STDIN (FORMAT binary)')))
    } else {
      let text = ''
      for (const r of rows) {
        const blob = r[4] as Buffer
        const parts: string[] = []
        for (let i = 0; i < blob.length; i += 4) parts.push(String(blob.readFloatLE(i)))
        text += `${r[1] as string}\t${isoMicros(r[2] as number)}\t${r[3] as number}\t{${parts.join(',')}}\n`
      }
      await pipeline(Readable.from([text]), client.query(copyFrom('COPY eeg_data (session_id, time, seq, values_uv) FROM STDIN')))
    }
  }
  for (const row of read.iterate() as IterableIterator<unknown[]>) {
    chunk.push(row)
    if (chunk.length >= RAW_CHUNK) await flush()
  }
  await flush()
  const seconds = (performance.now() - started) / 1000
  await client.end()
  return seconds
}

async function engineRun(db: LocalDatabase, stationId: string, url: string, method: IngestMethod): Promise<number> {
  db.exec('DELETE FROM sync_cursors')
  db.exec("INSERT INTO sync_outbox (entity, entity_id) SELECT 'user', id FROM users UNION ALL SELECT 'session', id FROM sessions")
  const engine = createSyncEngine({ db, stationId, stationName: 'bench', centralUrl: url, method, batchRows: 5000, logger: createLogger('silent') })
  const started = performance.now()
  await engine.syncUntilCaughtUp()
  return (performance.now() - started) / 1000
}

async function sizeOf(url: string): Promise<{ rows: number; heap: number; index: number }> {
  const c = new Client({ connectionString: url })
  await c.connect()
  await c.query('VACUUM ANALYZE eeg_data')
  const r = await c.query<{ rows: string; heap: string; index: string }>(
    "SELECT (SELECT count(*) FROM eeg_data) AS rows, pg_table_size('eeg_data') AS heap, pg_indexes_size('eeg_data') AS index"
  )
  await c.end()
  return { rows: Number(r.rows[0].rows), heap: Number(r.rows[0].heap), index: Number(r.rows[0].index) }
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-sync-bench-'))
try {
  const db = openLocalDatabase(join(dir, 'bench.sqlite'))
  const stationId = newId()
  db.prepare("INSERT INTO station_meta (key, value) VALUES ('station_id', ?)").run(stationId)
  const t = performance.now()
  const rows = seed(db, stationId)
  console.log(`generated ${rows} EEG rows (${CHANNELS} ch × ${RATE_HZ} Hz × ${SECONDS} s) in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  console.log(`load average at start: ${load()} (${ROUNDS} round(s))`)
  // Seconds per method and round; text COPY and unnest only in the first round.
  const runs = new Map<string, number[]>()
  const record = (name: string, seconds: number) => {
    runs.set(name, [...(runs.get(name) ?? []), seconds])
    console.log(`  ${name.padEnd(44)} ${String(Math.round(rows / seconds)).padStart(8)} rows/s   (load ${load()})`)
  }
  const RAW_TEXT = 'raw text COPY (not retry-safe)'
  const RAW_BINARY = 'raw binary COPY (not retry-safe)'
  const ENGINE = 'engine, copy (direct COPY, replays staged)'
  const REPLAY = 'engine, copy, full replay (all duplicates)'
  const UNNEST = 'engine, unnest + ON CONFLICT'
  let copyUrl = ''
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}`)
    if (round === 1) record(RAW_TEXT, await rawCopy(db, await freshCentral('rawtext'), 'text'))
    record(RAW_BINARY, await rawCopy(db, await freshCentral('rawbin'), 'binary'))
    copyUrl = await freshCentral('copy')
    record(ENGINE, await engineRun(db, stationId, copyUrl, 'copy'))
    record(REPLAY, await engineRun(db, stationId, copyUrl, 'copy'))
    if (round === 1) record(UNNEST, await engineRun(db, stationId, await freshCentral('unnest'), 'unnest'))
  }

  // Ratios per round (baseline and engine back to back), then the median; the first round's for one-offs.
  const ratio = (name: string, base: string) => {
    const mine = runs.get(name)!
    const theirs = runs.get(base)!
    return median(mine.map((s, i) => theirs[Math.min(i, theirs.length - 1)] / s))
  }
  console.log(`\nmedian of ${ROUNDS} round(s)                         rows/s     × raw text COPY   × raw binary COPY`)
  for (const name of [RAW_TEXT, RAW_BINARY, ENGINE, REPLAY, UNNEST]) {
    console.log(
      `${name.padEnd(44)} ${String(Math.round(rows / median(runs.get(name)!))).padStart(8)}   ${ratio(name, RAW_TEXT).toFixed(2).padStart(8)}          ${ratio(name, RAW_BINARY).toFixed(2).padStart(8)}`
    )
  }
  console.log(`load average at end: ${load()}`)
  const engineSeconds = median(runs.get(ENGINE)!)
  const hourRows = 3600 * RATE_HZ
  const scaled = rows === hourRows ? '' : ` (extrapolated linearly from ${rows} rows)`
  console.log(`\ncatch-up of 1 h of 8-ch 250 Hz EEG recorded offline (${hourRows} rows): ${((engineSeconds * hourRows) / rows).toFixed(1)} s${scaled}`)

  const size = await sizeOf(copyUrl)
  console.log(
    `eeg_data storage (plain PostgreSQL ${CHANNELS} ch, real[] per sample): ${(size.heap / size.rows).toFixed(1)} B/sample heap + ` +
      `${(size.index / size.rows).toFixed(1)} B/sample indexes = ${((size.heap + size.index) / size.rows).toFixed(1)} B/sample ` +
      `(raw float32 payload ${CHANNELS * 4} B)`
  )
  db.close()
} finally {
  for (const name of created) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}
