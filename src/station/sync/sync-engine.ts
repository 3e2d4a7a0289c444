/**
 * Moves committed local rows to the central PostgreSQL database: at-least-once delivery with idempotent
 * writes, so effectively exactly once.
 *
 * Invariants:
 * - A stream's cursor (`sync_cursors.last_id`) moves only after the central transaction holding its rows
 *   has committed; a crash in between replays the batch, and `ON CONFLICT DO NOTHING` on keys fixed at
 *   the station (station id, AUTOINCREMENT local id, session id + seq) makes the replay a no-op.
 * - A row the central database refuses as data (SQLSTATE class 22/23) or that cannot be encoded is found
 *   by bisecting its batch, copied to `sync_quarantine` and skipped: one bad row never blocks the queue.
 * - Anything else (network, server restart, disk full centrally) is transient: retried with exponential
 *   back-off and jitter, forever, resuming by itself when the database is back.
 */
import { finished as streamFinished } from 'node:stream/promises'
import { Client } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { isVigilError, VigilError } from '../../shared/errors'
import type { QuarantinedRow, SyncState, SyncStatus } from '../../shared/schemas/sync'
import { systemClock, type Clock } from '../clock'
import { maskUrl } from '../config'
import type { StationEventBus } from '../events'
import type { Logger } from '../logger'
import { VIGIL_VERSION } from '../paths'
import type { LocalDatabase } from '../storage/database'
import { assertCentralReady, latestCentralVersion } from './central-migrations'
import { buildUnnestSelect, encodeCopyBinary, RowEncodeError, type CentralColumn } from './pg-encoding'
import { storageErrorOf } from './storage-errors'
import {
  ALERTS_STREAM,
  APPEND_STREAMS,
  MARKERS_STREAM,
  OUTBOX_STREAM,
  SESSION_COLUMNS,
  SESSION_SELECT,
  sessionToCentral,
  TOMBSTONE_STREAM,
  USER_COLUMNS,
  USER_SELECT,
  userToCentral,
  type AppendStream
} from './streams'

/** How batches reach PostgreSQL: binary COPY into a temp table + INSERT ... ON CONFLICT, or INSERT ... SELECT unnest(...). */
export type IngestMethod = 'copy' | 'unnest'

export interface SyncEngineOptions {
  db: LocalDatabase
  stationId: string
  stationName: string
  /** postgres:// URL; without it the engine only reports pending rows. */
  centralUrl?: string
  batchRows?: number
  /** Pause between passes once caught up. */
  intervalMs?: number
  method?: IngestMethod
  retryBaseMs?: number
  retryMaxMs?: number
  /** Synced rows older than this are deleted locally; 0 keeps everything. */
  pruneSyncedAfterDays?: number
  logger: Logger
  clock?: Clock
  events?: StationEventBus
  /** [0, 1) source for back-off jitter. */
  random?: () => number
  connectTimeoutMs?: number
  /** Pending rows per table counted exactly up to this many (see pendingCounts); tests lower it. */
  exactCountLimit?: number
}

export interface SyncProgress {
  status: SyncStatus
  /** Rows still to go towards the target fixed when `syncUntilCaughtUp` started. */
  remaining: number
  total: number
}

export interface SyncEngine {
  readonly isEnabled: boolean
  status(): SyncStatus
  /** Starts the background worker (no-op without a central URL). */
  start(): void
  /** Finishes the batch in flight, stops the worker and closes the connection. */
  stop(): Promise<void>
  /** Wakes the worker now (e.g. after a retry delay the user does not want to wait out). */
  runNow(): void
  /**
   * Syncs until every row that existed when called is committed centrally, retrying transient errors
   * with back-off. For the CLI and tests; do not combine with `start()` on the same engine.
   */
  syncUntilCaughtUp(options?: { onProgress?: (p: SyncProgress) => void; signal?: AbortSignal }): Promise<void>
  /** Deletes synced rows older than the retention age; returns rows deleted. Never touches unsynced or quarantined rows. */
  pruneSynced(): number
}

type Row = unknown[]

interface Item {
  /** Local id or entity id, as stored in sync_quarantine. */
  localId: string
  local: Row
  central: Row
}

/** Rows of an append stream read in one go; `data` is their COPY payload (null: a row cannot be encoded). */
interface AppendBatch {
  raw: Row[]
  central: Row[]
  lastId: number
  data?: Buffer | null
}

interface Quarantine {
  stream: string
  item: Item
  error: string
}

const DEFAULT_BATCH_ROWS = 5000
const PRUNE_EVERY_MS = 3600_000
const RATE_WINDOW_MS = 10_000
const STATUS_EVENT_MIN_MS = 500
const STOP_GRACE_MS = 3000
/** Up to this many rows after a cursor are counted exactly (a few ms); more are estimated (see pendingCounts). */
const EXACT_COUNT_LIMIT = 250_000
const UNIQUE_VIOLATION = '23505'

/**
 * Exponential back-off with equal jitter: the ceiling doubles per failed attempt up to `maxMs`; the delay
 * is half the ceiling plus a random half, so stations that failed together do not retry together.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** Data errors: the row, not the connection, is the problem. */
function isRowError(err: unknown): boolean {
  if (err instanceof RowEncodeError) return true
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code)
}

function describeError(err: unknown): { code: string; message: string } {
  if (isVigilError(err)) return { code: err.code, message: err.message }
  const e = err as { code?: unknown; message?: string }
  const code = typeof e?.code === 'string' ? e.code : 'SYNC_CENTRAL_UNAVAILABLE'
  return { code, message: e?.message || String(err) }
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { db, stationId, logger } = options
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS
  const intervalMs = options.intervalMs ?? 2000
  const method = options.method ?? 'copy'
  const retryBaseMs = options.retryBaseMs ?? 1000
  const retryMaxMs = options.retryMaxMs ?? 300_000
  const url = options.centralUrl
  const exactCountLimit = options.exactCountLimit ?? EXACT_COUNT_LIMIT
  const requiredVersion = url ? latestCentralVersion() : 0

  let client: Client | null = null
  let connecting: Client | null = null
  let state: SyncState = url ? 'idle' : 'disabled'
  // An object, so loops see `stop()` flip it between awaits.
  const control = { stopping: false }
  let loop: Promise<void> | null = null
  let wake: (() => void) | null = null
  let syncedTotal = 0
  let lastSuccessAt: string | null = null
  let lastError: SyncStatus['last_error'] = null
  let nextRetryAt: string | null = null
  let failures = 0
  let lastPruneMs = 0
  let lastStatusEventMs = 0
  const rateSamples: Array<{ atMs: number; rows: number }> = []
  // Streams whose last batch met rows already central: they skip the direct COPY (see copyDirect).
  const replaying = new Set<string>()

  const getCursor = db.prepare('SELECT last_id FROM sync_cursors WHERE stream = ?').pluck()
  const setCursor = db.prepare(
    'INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES (?, ?, ?) ' +
      'ON CONFLICT (stream) DO UPDATE SET last_id = max(last_id, excluded.last_id), updated_at = excluded.updated_at'
  )
  const insertQuarantine = db.prepare(
    'INSERT OR IGNORE INTO sync_quarantine (stream, local_id, error, row_json, quarantined_at) VALUES (?, ?, ?, ?, ?)'
  )
  const unquarantine = db.prepare('DELETE FROM sync_quarantine WHERE stream = ? AND local_id = ?')
  const highWater = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck()
  const leftBelow = new Map(
    [OUTBOX_STREAM, TOMBSTONE_STREAM, ...APPEND_STREAMS.map((s) => s.name)].map((t) => [t, db.prepare(`SELECT EXISTS (SELECT 1 FROM ${t} WHERE id > ? AND id <= ?)`).pluck()])
  )
  const selectStmts = new Map(APPEND_STREAMS.map((s) => [s.name, db.prepare(s.selectSql).raw()]))
  const selectOutbox = db.prepare('SELECT id, entity, entity_id FROM sync_outbox WHERE id > ? ORDER BY id LIMIT ?').raw()
  const deleteOutbox = db.prepare('DELETE FROM sync_outbox WHERE id <= ?')
  const selectTombstones = db.prepare('SELECT id, entity, entity_id, deleted_at FROM tombstones WHERE id > ? ORDER BY id LIMIT ?').raw()
  const selectUser = db.prepare(USER_SELECT).raw()
  const selectSession = db.prepare(SESSION_SELECT).raw()
  const selectAlert = db.prepare(ALERTS_STREAM.selectSql.replace('WHERE id > ? ORDER BY id LIMIT ?', 'WHERE id = ?')).raw()
  const selectMarker = db.prepare(MARKERS_STREAM.selectSql.replace('WHERE id > ? ORDER BY id LIMIT ?', 'WHERE id = ?')).raw()
  const countAfter = new Map(
    [OUTBOX_STREAM, TOMBSTONE_STREAM, ...APPEND_STREAMS.map((s) => s.name)].map((t) => [t, db.prepare(`SELECT count(*) FROM ${t} WHERE id > ?`).pluck()])
  )

  // Status is read twice a second while syncing: its statements are prepared once.
  const countQuarantined = db.prepare('SELECT count(*) FROM sync_quarantine').pluck()
  const recentQuarantined = db.prepare('SELECT stream, local_id, error, quarantined_at FROM sync_quarantine ORDER BY id DESC LIMIT 5')

  function cursorOf(stream: string): number {
    return (getCursor.get(stream) as number | undefined) ?? 0
  }

  function nowIso(): string {
    return new Date(clock.wallMs()).toISOString()
  }

  // ---------------------------------------------------------------- status

  /**
   * Rows after each cursor. Counting is linear in the backlog (~15 ns a row), and status is asked for
   * twice a second while syncing, so beyond `exactCountLimit` rows a table reports its id span instead
   * (AUTOINCREMENT high-water mark − cursor, O(1)): exact unless rows were deleted before they synced
   * (a deleted session), which it then overcounts.
   */
  function pendingCounts(): { pending: Record<string, number>; total: number; isExact: boolean } {
    const pending: Record<string, number> = {}
    let total = 0
    let isExact = true
    for (const [table, stmt] of countAfter) {
      const cursor = cursorOf(table)
      const span = ((highWater.get(table) as number | undefined) ?? 0) - cursor
      if (span <= exactCountLimit) pending[table] = span <= 0 ? 0 : (stmt.get(cursor) as number)
      else {
        pending[table] = span
        isExact = false
      }
      total += pending[table]
    }
    return { pending, total, isExact }
  }

  function rowsPerSecond(): number {
    const now = clock.monotonicMs()
    while (rateSamples.length > 0 && now - rateSamples[0].atMs > RATE_WINDOW_MS) rateSamples.shift()
    if (rateSamples.length === 0) return 0
    const rows = rateSamples.reduce((sum, s) => sum + s.rows, 0)
    const spanMs = Math.max(1000, now - rateSamples[0].atMs)
    return Math.round((rows / spanMs) * 1000)
  }

  function status(): SyncStatus {
    const { pending, total: pendingTotal, isExact } = pendingCounts()
    const rate = rowsPerSecond()
    const quarantined = countQuarantined.get() as number
    const recent = recentQuarantined.all() as QuarantinedRow[]
    return {
      state,
      central: maskUrl(url) ?? null,
      pending,
      pending_total: pendingTotal,
      pending_exact: isExact,
      synced_total: syncedTotal,
      rows_per_s: rate,
      eta_s: pendingTotal === 0 ? 0 : rate > 0 ? Math.ceil(pendingTotal / rate) : null,
      last_success_at: lastSuccessAt,
      last_error: lastError,
      next_retry_at: nextRetryAt,
      consecutive_failures: failures,
      quarantined,
      recent_quarantined: recent
    }
  }

  function publish(force = false): void {
    if (!options.events || options.events.listenerCount('sync.statusChanged') === 0) return
    const now = clock.monotonicMs()
    if (!force && now - lastStatusEventMs < STATUS_EVENT_MIN_MS) return
    lastStatusEventMs = now
    options.events.emit('sync.statusChanged', status())
  }

  function setState(next: SyncState): void {
    if (state === next) return
    state = next
    publish(true)
  }

  // ---------------------------------------------------------------- central connection

  function dropConnection(): void {
    const c = client
    client = null
    c?.end().catch(() => undefined)
  }

  async function connection(): Promise<Client> {
    if (client) return client
    if (!url) throw new VigilError('SYNC_NOT_CONFIGURED', 'No central database configured (--central-url / VIGIL_CENTRAL_URL).')
    const c = new Client({ connectionString: url, application_name: 'vigil-sync', connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, keepAlive: true })
    // An idle connection can die (server restart); the next batch reconnects.
    c.on('error', (err) => {
      logger.warn({ err: err.message }, 'central connection lost')
      if (client === c) client = null
    })
    connecting = c
    try {
      await c.connect()
      await assertCentralReady(c, requiredVersion, url)
      await c.query(
        'INSERT INTO stations (station_id, name, vigil_version) VALUES ($1, $2, $3) ' +
          'ON CONFLICT (station_id) DO UPDATE SET name = EXCLUDED.name, vigil_version = EXCLUDED.vigil_version',
        [stationId, options.stationName, VIGIL_VERSION]
      )
      if (method === 'copy') {
        for (const s of APPEND_STREAMS) {
          await c.query(`CREATE TEMP TABLE IF NOT EXISTS vigil_stage_${s.centralTable} (LIKE ${s.centralTable}) ON COMMIT DELETE ROWS`)
        }
      }
    } catch (err) {
      c.end().catch(() => undefined)
      throw err
    } finally {
      connecting = null
    }
    client = c
    return c
  }

  /** One central transaction; on failure the connection is kept only if it is known to be healthy. */
  async function inTransaction(fn: (c: Client) => Promise<void>): Promise<void> {
    const c = await connection()
    try {
      await c.query('BEGIN')
      await fn(c)
      await c.query('COMMIT')
    } catch (err) {
      // After a data error the connection is healthy; after anything else its state is unknown.
      if (isRowError(err)) await c.query('ROLLBACK').catch(() => dropConnection())
      else dropConnection()
      throw err
    }
  }

  async function recordStreamPosition(c: Client, stream: string, lastLocalId: number): Promise<void> {
    await c.query(
      'INSERT INTO station_streams (station_id, stream, last_local_id) VALUES ($1, $2, $3) ' +
        'ON CONFLICT (station_id, stream) DO UPDATE SET last_local_id = GREATEST(station_streams.last_local_id, EXCLUDED.last_local_id), updated_at = now()',
      [stationId, stream, lastLocalId]
    )
  }

  /**
   * Writes `items` in one transaction; on a data error splits the batch and retries the halves until the
   * bad rows are alone, collecting them in `bad`. Transient errors propagate (the caller backs off).
   */
  async function writeIsolating(stream: string, items: Item[], bad: Quarantine[], write: (c: Client, rows: Row[]) => Promise<void>): Promise<void> {
    let remaining = items
    while (remaining.length > 0) {
      try {
        await inTransaction((c) => write(c, remaining.map((i) => i.central)))
        return
      } catch (err) {
        if (!isRowError(err)) throw err
        const rowIndex = (err as { rowIndex?: number }).rowIndex
        if (err instanceof RowEncodeError && rowIndex !== undefined) {
          // Encoding failed before anything was sent: drop that row and retry the rest.
          bad.push({ stream, item: remaining[rowIndex], error: err.message })
          remaining = remaining.filter((_, i) => i !== rowIndex)
          continue
        }
        if (remaining.length === 1) {
          bad.push({ stream, item: remaining[0], error: `${describeError(err).code}: ${(err as Error).message}` })
          return
        }
        const mid = remaining.length >> 1
        await writeIsolating(stream, remaining.slice(0, mid), bad, write)
        remaining = remaining.slice(mid)
      }
    }
  }

  /** Local bookkeeping after the central commit: quarantine the bad rows and move the cursor, atomically. */
  function commitLocal(stream: string, lastId: number, bad: Quarantine[], extra?: () => void): void {
    try {
      db.transaction(() => {
        const at = nowIso()
        for (const q of bad) {
          insertQuarantine.run(q.stream, q.item.localId, q.error.slice(0, 2000), JSON.stringify(q.item.local, jsonSafe), at)
        }
        setCursor.run(stream, lastId, at)
        extra?.()
      })()
    } catch (err) {
      throw storageErrorOf(err, 'Recording sync progress') ?? err
    }
    for (const q of bad) logger.warn({ stream: q.stream, localId: q.item.localId, error: q.error }, 'row quarantined: the central database refused it')
    if (bad.length > 0) publish(true)
  }

  function countRows(n: number): void {
    syncedTotal += n
    rateSamples.push({ atMs: clock.monotonicMs(), rows: n })
    publish()
  }

  // ---------------------------------------------------------------- streams

  /** Reads (and for the direct COPY, encodes) the append-stream rows after `afterId`; null when there are none. */
  function readAppendBatch(stream: AppendStream, afterId: number): AppendBatch | null {
    const raw = selectStmts.get(stream.name)!.all(afterId, batchRows) as Row[]
    if (raw.length === 0) return null
    const central = raw.map((r) => stream.toCentral(r, stationId))
    let data: Buffer | null | undefined
    if (method === 'copy' && !replaying.has(stream.name)) {
      try {
        data = encodeCopyBinary(stream.columns, central)
      } catch (err) {
        if (!(err instanceof RowEncodeError)) throw err
        data = null
      }
    }
    return { raw, central, lastId: raw[raw.length - 1][0] as number, data }
  }

  /**
   * Fast path of the `copy` method for rows new to the central database: one binary COPY straight into
   * the table, without the staging table and `INSERT ... ON CONFLICT` (about half the central work).
   * Safe because the table's key refuses a duplicate: a batch holding one fails whole and is rolled
   * back, so nothing lands twice. Returns false when the server refused the batch for any reason
   * (duplicates, bad rows): the staging path then decides, exactly as without this path.
   * `onSent` runs once the rows are on the wire, while the server ingests them.
   */
  async function copyDirect(stream: AppendStream, batch: AppendBatch, onSent?: () => void): Promise<boolean> {
    if (!batch.data) return false
    const c = await connection()
    try {
      await c.query('BEGIN')
      await copyInto(c, `COPY ${stream.centralTable} (${columnList(stream.columns)}) FROM STDIN (FORMAT binary)`, batch.data, onSent)
      await recordStreamPosition(c, stream.name, batch.lastId)
      await c.query('COMMIT')
      return true
    } catch (err) {
      // A connection that cannot even roll back is gone: transient, retried like any other batch.
      await c.query('ROLLBACK').catch(() => {
        dropConnection()
        throw err
      })
      // Duplicates come in runs (a replay after a lost acknowledgement): stage until a batch is all new.
      if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) replaying.add(stream.name)
      return false
    }
  }

  /** One batch of an append-only stream; returns the number of local rows consumed. */
  async function syncAppendBatch(stream: AppendStream, batch: AppendBatch, onSent?: () => void): Promise<number> {
    const { raw, central, lastId } = batch
    if (await copyDirect(stream, batch, onSent)) {
      commitLocal(stream.name, lastId, [])
      countRows(raw.length)
      return raw.length
    }
    const items: Item[] = raw.map((r, i) => ({ localId: String(r[0]), local: r, central: central[i] }))
    const bad: Quarantine[] = []
    await writeIsolating(stream.name, items, bad, async (c, rows) => {
      const inserted = await insertRows(c, stream.centralTable, stream.columns, rows, 'ON CONFLICT DO NOTHING', method === 'copy')
      if (inserted === rows.length) replaying.delete(stream.name)
      await recordStreamPosition(c, stream.name, lastId)
    })
    commitLocal(stream.name, lastId, bad)
    countRows(raw.length - bad.length)
    return raw.length
  }

  /**
   * Drains an append stream. The next batch is read and encoded while the server ingests the current
   * one (SQLite reads block this thread, so they fill the wait instead of adding to it); it is used only
   * if the current batch committed and no other engine moved the cursor meanwhile.
   */
  async function drainAppend(stream: AppendStream): Promise<void> {
    let batch = readAppendBatch(stream, cursorOf(stream.name))
    while (batch && !control.stopping) {
      const current = batch
      const isFull = current.raw.length >= batchRows
      const ahead: { batch?: AppendBatch | null } = {}
      await syncAppendBatch(stream, current, isFull ? () => (ahead.batch = readAppendBatch(stream, current.lastId)) : undefined)
      if (!isFull) return
      const cursor = cursorOf(stream.name)
      batch = ahead.batch !== undefined && cursor === current.lastId ? ahead.batch : readAppendBatch(stream, cursor)
    }
  }

  async function upsertEntities(stream: string, items: Item[], bad: Quarantine[], columns: readonly CentralColumn[], table: string, conflict: string): Promise<void> {
    if (items.length === 0) return
    await writeIsolating(stream, items, bad, async (c, rows) => {
      await insertRows(c, table, columns, rows, conflict, false)
    })
  }

  /** Edits of users, sessions, alerts and markers, newest state of each entity once. */
  async function syncOutboxBatch(): Promise<number> {
    const raw = selectOutbox.all(cursorOf(OUTBOX_STREAM), batchRows) as Array<[number, string, string]>
    if (raw.length === 0) return 0
    const lastId = raw[raw.length - 1][0]
    const seen = new Set<string>()
    const byEntity: Record<string, Item[]> = { user: [], session: [], alert: [], marker: [] }
    for (const [, entity, entityId] of raw) {
      const key = `${entity}:${entityId}`
      if (seen.has(key)) continue
      seen.add(key)
      // Deleted since the edit: the tombstone carries the deletion.
      let local: Row | undefined
      let central: Row | undefined
      if (entity === 'user') {
        local = selectUser.get(entityId) as Row | undefined
        central = local && userToCentral(local, stationId)
      } else if (entity === 'session') {
        local = selectSession.get(entityId) as Row | undefined
        central = local && sessionToCentral(local)
      } else if (entity === 'alert') {
        local = selectAlert.get(Number(entityId)) as Row | undefined
        central = local && ALERTS_STREAM.toCentral(local, stationId)
      } else if (entity === 'marker') {
        local = selectMarker.get(Number(entityId)) as Row | undefined
        central = local && MARKERS_STREAM.toCentral(local, stationId)
      }
      if (local && central) byEntity[entity].push({ localId: entityId, local, central })
    }
    const bad: Quarantine[] = []
    // Users before sessions (sessions name their creator), sessions before the rows that refer to them.
    await upsertEntities(`${OUTBOX_STREAM}:user`, byEntity.user, bad, USER_COLUMNS, 'users',
      `ON CONFLICT (id) DO UPDATE SET ${updateSet(USER_COLUMNS, ['id', 'station_id', 'created_at'])} WHERE users.updated_at <= EXCLUDED.updated_at`)
    if (byEntity.session.length > 0) {
      const cols = columnList(SESSION_COLUMNS)
      await writeIsolating(`${OUTBOX_STREAM}:session`, byEntity.session, bad, async (c, rows) => {
        const { sql, params } = buildUnnestSelect(SESSION_COLUMNS, rows)
        // A late edit must not resurrect a session deleted elsewhere; the highest version wins.
        await c.query(
          `INSERT INTO sessions (${cols}) SELECT s.* FROM (${sql}) AS s (${cols}) ` +
            "WHERE NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.entity = 'session' AND t.entity_id = s.id) " +
            `ON CONFLICT (id) DO UPDATE SET ${updateSet(SESSION_COLUMNS, ['id', 'station_id', 'created_at'])}, received_at = now() ` +
            'WHERE sessions.version < EXCLUDED.version AND sessions.station_id = EXCLUDED.station_id',
          params
        )
      })
    }
    await upsertEntities(`${OUTBOX_STREAM}:alert`, byEntity.alert, bad, ALERTS_STREAM.columns, 'alerts',
      'ON CONFLICT (station_id, local_id, time) DO UPDATE SET acknowledged_at = EXCLUDED.acknowledged_at, acknowledged_by = EXCLUDED.acknowledged_by')
    await upsertEntities(`${OUTBOX_STREAM}:marker`, byEntity.marker, bad, MARKERS_STREAM.columns, 'markers',
      'ON CONFLICT (station_id, local_id, time) DO UPDATE SET label = EXCLUDED.label, value = EXCLUDED.value')
    // Outbox rows are only pointers: drop them once their entities are central. An entity quarantined
    // earlier and accepted now (edited since) leaves the quarantine.
    const badKeys = new Set(bad.map((q) => `${q.stream}|${q.item.localId}`))
    commitLocal(OUTBOX_STREAM, lastId, bad, () => {
      deleteOutbox.run(lastId)
      for (const [entity, items] of Object.entries(byEntity)) {
        for (const item of items) {
          const stream = `${OUTBOX_STREAM}:${entity}`
          if (!badKeys.has(`${stream}|${item.localId}`)) unquarantine.run(stream, item.localId)
        }
      }
    })
    countRows(seen.size - bad.length)
    return raw.length
  }

  const TOMBSTONE_COLUMNS: readonly CentralColumn[] = [
    { name: 'entity', type: 'text' },
    { name: 'entity_id', type: 'uuid' },
    { name: 'station_id', type: 'uuid' },
    { name: 'deleted_at', type: 'timestamptz' }
  ]

  /** Deletions: recorded centrally, and a deleted session takes its rows with it. */
  async function syncTombstoneBatch(): Promise<number> {
    const raw = selectTombstones.all(cursorOf(TOMBSTONE_STREAM), batchRows) as Array<[number, string, string, string]>
    if (raw.length === 0) return 0
    const lastId = raw[raw.length - 1][0]
    const items: Item[] = raw.map((r) => ({ localId: String(r[0]), local: r, central: [r[1], r[2], stationId, Date.parse(r[3]) * 1000] }))
    const bad: Quarantine[] = []
    await writeIsolating(TOMBSTONE_STREAM, items, bad, async (c, rows) => {
      await insertRows(c, 'tombstones', TOMBSTONE_COLUMNS, rows, 'ON CONFLICT DO NOTHING', false)
      const sessionIds = rows.filter((r) => r[0] === 'session').map((r) => r[1])
      if (sessionIds.length === 0) return
      await c.query('DELETE FROM eeg_data WHERE session_id = ANY($1::uuid[])', [sessionIds])
      for (const s of APPEND_STREAMS) {
        if (s.centralTable === 'eeg_data') continue
        await c.query(`DELETE FROM ${s.centralTable} WHERE station_id = $1 AND session_id = ANY($2::uuid[])`, [stationId, sessionIds])
      }
      await c.query('DELETE FROM sessions WHERE station_id = $1 AND id = ANY($2::uuid[])', [stationId, sessionIds])
    })
    commitLocal(TOMBSTONE_STREAM, lastId, bad)
    countRows(raw.length - bad.length)
    return raw.length
  }

  /** Runs batches until one comes back short (a full batch means there may be more). */
  async function drain(batch: () => Promise<number>): Promise<void> {
    while (!control.stopping && (await batch()) >= batchRows) continue
  }

  /** Drains every stream to its current end. Throws on transient errors. */
  async function runPass(): Promise<void> {
    setState('syncing')
    await drain(syncOutboxBatch)
    await drain(syncTombstoneBatch)
    for (const stream of APPEND_STREAMS) await drainAppend(stream)
    if (client) await client.query('UPDATE stations SET last_sync_at = now() WHERE station_id = $1', [stationId]).catch(() => undefined)
    lastSuccessAt = nowIso()
    failures = 0
    nextRetryAt = null
    lastError = null
  }

  function backoffMs(attempt: number): number {
    return backoffDelayMs(attempt, retryBaseMs, retryMaxMs, random)
  }

  function recordFailure(err: unknown): number {
    failures++
    const { code, message } = describeError(err)
    lastError = { code, message, at: nowIso() }
    const delay = backoffMs(failures)
    nextRetryAt = new Date(clock.wallMs() + delay).toISOString()
    logger.warn({ code, err: message, retryInMs: delay, attempt: failures }, 'sync failed; will retry')
    setState('backoff')
    publish(true)
    return delay
  }

  function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        wake = null
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      wake = done
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  function pruneSynced(): number {
    const days = options.pruneSyncedAfterDays ?? 0
    if (days <= 0) return 0
    const cutoffMs = clock.wallMs() - days * 86_400_000
    let deleted = 0
    try {
      for (const s of APPEND_STREAMS) {
        const stmt = db.prepare(
          `DELETE FROM ${s.name} WHERE id IN (SELECT id FROM ${s.name} WHERE id <= ? AND ${s.timeColumn} < ? ` +
            `AND id NOT IN (SELECT CAST(local_id AS INTEGER) FROM sync_quarantine WHERE stream = ?) LIMIT 10000)`
        )
        const cursor = cursorOf(s.name)
        // Small transactions: the recorder keeps writing meanwhile.
        for (let changes = 1; changes > 0; ) {
          changes = stmt.run(cursor, cutoffMs, s.name).changes
          deleted += changes
        }
      }
    } catch (err) {
      throw storageErrorOf(err, 'Pruning synced data') ?? err
    }
    if (deleted > 0) logger.info({ deleted, olderThanDays: days }, 'pruned synced rows')
    return deleted
  }

  async function workerLoop(): Promise<void> {
    while (!control.stopping) {
      let delay = intervalMs
      try {
        await runPass()
        if (control.stopping) break
        setState('idle')
        if (clock.wallMs() - lastPruneMs > PRUNE_EVERY_MS) {
          lastPruneMs = clock.wallMs()
          pruneSynced()
        }
        publish(true)
      } catch (err) {
        if (control.stopping) break
        delay = recordFailure(err)
      }
      await sleep(delay)
    }
  }

  async function syncUntilCaughtUp(opts: { onProgress?: (p: SyncProgress) => void; signal?: AbortSignal } = {}): Promise<void> {
    if (!url) throw new VigilError('SYNC_NOT_CONFIGURED', 'No central database configured (--central-url / VIGIL_CENTRAL_URL).')
    const streams = [OUTBOX_STREAM, TOMBSTONE_STREAM, ...APPEND_STREAMS.map((s) => s.name)]
    // AUTOINCREMENT high-water marks: everything committed locally before now.
    const target = new Map(streams.map((s) => [s, (highWater.get(s) as number | undefined) ?? 0]))
    const { total } = pendingCounts()
    const report = () => {
      if (!opts.onProgress) return
      const current = status()
      opts.onProgress({ status: current, remaining: current.pending_total, total })
    }
    const timer = opts.onProgress ? setInterval(report, 250) : null
    try {
      while (!opts.signal?.aborted) {
        try {
          await runPass()
          setState('idle')
          // Rows deleted before they were synced (a deleted session's samples) leave holes below the
          // high-water mark, so "done" is: nothing left between the cursor and the mark.
          if (streams.every((s) => !leftBelow.get(s)!.get(cursorOf(s), target.get(s)!))) return
        } catch (err) {
          const delay = recordFailure(err)
          await sleep(delay, opts.signal)
        }
      }
    } finally {
      if (timer) clearInterval(timer)
      report()
      dropConnection()
    }
  }

  return {
    get isEnabled() {
      return Boolean(url)
    },
    status,
    start() {
      if (!url || loop) return
      control.stopping = false
      loop = workerLoop().catch((err: unknown) => logger.error({ err }, 'sync worker crashed'))
    },
    async stop() {
      control.stopping = true
      wake?.()
      // A batch in flight normally ends in well under a second; a connect to a silent host would not.
      const finished = await Promise.race([loop?.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_GRACE_MS).unref())])
      if (!finished) {
        connecting?.end().catch(() => undefined)
        dropConnection()
      }
      await loop
      loop = null
      dropConnection()
      if (url) setState('stopped')
    },
    runNow() {
      wake?.()
    },
    syncUntilCaughtUp,
    pruneSynced
  }
}

/**
 * One COPY ... FROM STDIN of a complete payload. `onSent` runs once the payload has reached the socket
 * (the write callback fires after pg-copy-streams flushed it) and the COPY end followed: the server is
 * busy with it from then on. An error in `onSent` is swallowed: it only reads ahead.
 */
async function copyInto(c: Client, sql: string, data: Buffer, onSent?: () => void): Promise<void> {
  const stream = c.query(copyFrom(sql))
  const done = streamFinished(stream)
  let sideWork: Promise<void> = Promise.resolve()
  stream.write(data, (err) => {
    if (err || !onSent) return
    sideWork = new Promise((resolve) =>
      setImmediate(() => {
        try {
          onSent()
        } catch {
          // Read ahead failed (e.g. the local database closed): the caller reads again, in order.
        }
        resolve()
      })
    )
  })
  stream.end()
  await done
  await sideWork
}

function columnList(columns: readonly CentralColumn[]): string {
  return columns.map((col) => col.name).join(', ')
}

function updateSet(columns: readonly CentralColumn[], keep: string[]): string {
  return columns
    .filter((c) => !keep.includes(c.name))
    .map((c) => `${c.name} = EXCLUDED.${c.name}`)
    .join(', ')
}

/** Returns the rows the conflict clause let through (inserted or updated). */
async function insertRows(c: Client, table: string, columns: readonly CentralColumn[], rows: Row[], conflict: string, useCopy: boolean): Promise<number> {
  const cols = columnList(columns)
  if (useCopy) {
    const stage = `vigil_stage_${table}`
    await copyInto(c, `COPY ${stage} (${cols}) FROM STDIN (FORMAT binary)`, encodeCopyBinary(columns, rows))
    return (await c.query(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage} ${conflict}`)).rowCount ?? 0
  }
  const { sql, params } = buildUnnestSelect(columns, rows)
  return (await c.query(`INSERT INTO ${table} (${cols}) ${sql} ${conflict}`, params)).rowCount ?? 0
}

/** Buffers (EEG blobs) as hex in quarantine copies. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { hex: Buffer.from((value as { data: number[] }).data).toString('hex') }
  }
  return value
}
