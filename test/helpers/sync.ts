/**
 * Shared by the sync tests: a throwaway central database on the real PostgreSQL (migrated with the
 * real migrations), a local SQLite seeded with deterministic data, a TCP proxy to make the central
 * database vanish and return, and the two-sided checksum comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client, type QueryResult, type QueryResultRow } from 'pg'
import { createLogger } from '../../src/station/logger'
import { newId } from '../../src/station/ids'
import { openLocalDatabase, type LocalDatabase } from '../../src/station/storage/database'
import { centralChecksums, localChecksums, type Checksums } from '../../src/station/sync/checksum'
import { migrateCentral } from '../../src/station/sync/central-migrations'
import { createSyncEngine, type SyncEngineOptions } from '../../src/station/sync/sync-engine'
import { createRandom } from '../../src/shared/random'

export const ADMIN_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export function urlWithDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

export interface TestCentral {
  name: string
  url: string
  query<T extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<T>>
  drop(): Promise<void>
}

/** A fresh database named vigil_sync_<random>, migrated; `drop()` removes it (forcing connections off). */
export async function createTestCentral(migrate = true): Promise<TestCentral> {
  const name = `vigil_sync_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = new Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = urlWithDatabase(ADMIN_URL, name)
  if (migrate) await migrateCentral(url)
  const client = new Client({ connectionString: url, application_name: 'vigil-test' })
  await client.connect()
  return {
    name,
    url,
    query: (sql, params) => client.query(sql, params),
    async drop() {
      await client.end().catch(() => undefined)
      const a = new Client({ connectionString: ADMIN_URL })
      await a.connect()
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await a.end()
    }
  }
}

export interface TestLocal {
  db: LocalDatabase
  file: string
  dir: string
  stationId: string
  close(): void
}

export function createTestLocal(): TestLocal {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sync-'))
  const file = join(dir, 'vigil.sqlite')
  const db = openLocalDatabase(file)
  const stationId = newId()
  db.prepare("INSERT INTO station_meta (key, value) VALUES ('station_id', ?)").run(stationId)
  return {
    db,
    file,
    dir,
    stationId,
    close() {
      if (db.open) db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

export interface SeedOptions {
  sessions?: number
  samplesPerSession?: number
  channels?: number
  sampleRateHz?: number
  eventsPerSession?: number
  participantCode?: string
  seed?: number
  startMs?: number
}

export interface Seeded {
  userId: string
  sessionIds: string[]
}

/** Writes a user, sessions, EEG and every kind of event straight into SQLite, as a recording would. */
export function seedLocal(db: LocalDatabase, stationId: string, o: SeedOptions = {}): Seeded {
  const sessions = o.sessions ?? 2
  const samples = o.samplesPerSession ?? 1000
  const channels = o.channels ?? 8
  const rateHz = o.sampleRateHz ?? 250
  const events = o.eventsPerSession ?? 20
  const rnd = createRandom(o.seed ?? 1)
  const startMs = o.startMs ?? Date.UTC(2026, 10, 1, 9, 0, 0)
  const userId = newId()
  const sessionIds: string[] = []
  db.transaction(() => {
    db.prepare(
      "INSERT INTO users (id, email, full_name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'researcher', 'not-a-real-hash', ?, ?)"
    ).run(userId, `r-${userId.slice(-8)}@lab.example`, 'Ré Searcher', iso(startMs), iso(startMs))
    const insSession = db.prepare(
      'INSERT INTO sessions (id, station_id, name, participant_code, notes, scenario_json, device_json, status, started_at, ended_at, created_by, created_at, updated_at) ' +
        "VALUES (?, ?, ?, ?, '', ?, ?, 'completed', ?, ?, ?, ?, ?)"
    )
    const insEeg = db.prepare('INSERT INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, ?, ?, ?)')
    const insFace = db.prepare("INSERT INTO face_events (session_id, t_ms, kind, data_json) VALUES (?, ?, 'blink', ?)")
    const insGame = db.prepare("INSERT INTO game_events (session_id, t_ms, kind, data_json) VALUES (?, ?, 'lane_departure', ?)")
    const insDevice = db.prepare("INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, 'gap', ?)")
    const insFatigue = db.prepare("INSERT INTO fatigue_metrics (session_id, t_ms, score, level, data_json) VALUES (?, ?, ?, 'moderate', ?)")
    const insAlert = db.prepare("INSERT INTO alerts (uid, session_id, t_ms, type, severity, score, message) VALUES (?, ?, ?, 'perclos', 'warning', ?, 'Eyes closing')")
    const insMarker = db.prepare("INSERT INTO markers (uid, session_id, t_ms, label, value, created_by) VALUES (?, ?, ?, 'note', ?, ?)")
    const values = new Float32Array(channels)
    for (let s = 0; s < sessions; s++) {
      const id = newId()
      sessionIds.push(id)
      const t0 = startMs + s * 3600_000
      const durMs = (samples / rateHz) * 1000
      insSession.run(
        id,
        stationId,
        `Drive ${s + 1}`,
        o.participantCode ?? 'P-001',
        JSON.stringify({ id: 'highway', seed: s }),
        JSON.stringify({ kind: 'simulated', channelNames: Array.from({ length: channels }, (_, c) => `ch${c + 1}`), sampleRateHz: rateHz }),
        iso(t0),
        iso(t0 + durMs),
        userId,
        iso(t0),
        iso(t0)
      )
      for (let i = 0; i < samples; i++) {
        for (let c = 0; c < channels; c++) values[c] = (rnd() - 0.5) * 200
        insEeg.run(id, i, t0 + (i * 1000) / rateHz + 0.25, Buffer.from(values.buffer.slice(0)))
      }
      for (let e = 0; e < events; e++) {
        const t = t0 + (e * durMs) / events + rnd()
        insFace.run(id, t, JSON.stringify({ durationMs: Math.round(rnd() * 400), eye: 'both' }))
        insGame.run(id, t, JSON.stringify({ lane: 2, offsetM: rnd() }))
        insDevice.run(id, t, JSON.stringify({ missing: e }))
        insFatigue.run(id, t, rnd(), JSON.stringify({ theta_alpha: rnd(), perclos: rnd() }))
        if (e % 5 === 0) insAlert.run(newId(), id, t, rnd())
        if (e % 4 === 0) insMarker.run(newId(), id, t, `m${e}`, userId)
      }
    }
  })()
  return { userId, sessionIds }
}

export function engineFor(local: TestLocal, centralUrl: string, over: Partial<SyncEngineOptions> = {}) {
  return createSyncEngine({
    db: local.db,
    stationId: local.stationId,
    stationName: 'test-station',
    centralUrl,
    batchRows: 2000,
    retryBaseMs: 50,
    retryMaxMs: 400,
    intervalMs: 100,
    logger: createLogger('silent'),
    ...over
  })
}

export async function checksumsOf(local: LocalDatabase, central: TestCentral, stationId: string): Promise<{ local: Checksums; central: Checksums }> {
  const client = new Client({ connectionString: central.url })
  await client.connect()
  try {
    return { local: localChecksums(local), central: await centralChecksums(client, stationId) }
  } finally {
    await client.end()
  }
}

/** A TCP forwarder in front of PostgreSQL: `close()` makes the database unreachable, `listen()` brings it back on the same port. */
export interface TcpProxy {
  port: number
  url(database: string): string
  listen(): Promise<void>
  close(): Promise<void>
}

export async function createTcpProxy(targetPort = Number(new URL(ADMIN_URL).port || 5432)): Promise<TcpProxy> {
  const targetHost = new URL(ADMIN_URL).hostname
  let server: net.Server | null = null
  const sockets = new Set<net.Socket>()
  // Reserve a free port once and reuse it, so the engine's URL stays valid across outages.
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port
      probe.close(() => resolve(p))
    })
  })
  const proxy: TcpProxy = {
    port,
    url: (database) => urlWithDatabase(ADMIN_URL, database).replace(/\/\/([^/@]*@)?[^/:]+(:\d+)?\//, `//$1127.0.0.1:${port}/`),
    listen: () =>
      new Promise((resolve) => {
        server = net.createServer((inbound) => {
          const outbound = net.connect(targetPort, targetHost)
          sockets.add(inbound).add(outbound)
          inbound.pipe(outbound).pipe(inbound)
          const drop = () => {
            inbound.destroy()
            outbound.destroy()
            sockets.delete(inbound)
            sockets.delete(outbound)
          }
          inbound.on('error', drop).on('close', drop)
          outbound.on('error', drop).on('close', drop)
        })
        server.listen(port, '127.0.0.1', () => resolve())
      }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        sockets.clear()
        if (!server) return resolve()
        server.close(() => resolve())
        server = null
      })
  }
  return proxy
}
