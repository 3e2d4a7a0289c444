/**
 * The central side of the sync: one PostgreSQL connection, transactions on it, the bisecting write that
 * isolates rows the server refuses as data, and the two ways rows go in (binary COPY, or
 * `INSERT ... SELECT unnest(...)`). Knows nothing of local cursors: callers move those after a commit.
 */
import { finished as streamFinished } from 'node:stream/promises'
import { Client } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { isVigilError, VigilError } from '../../shared/errors'
import type { Logger } from '../logger'
import { VIGIL_VERSION } from '../paths'
import { assertCentralReady, latestCentralVersion } from './central-migrations'
import { buildUnnestSelect, encodeCopyBinary, RowEncodeError, type CentralColumn } from './pg-encoding'
import { APPEND_STREAMS } from './streams'

/** How batches reach PostgreSQL: binary COPY into a temp table + INSERT ... ON CONFLICT, or INSERT ... SELECT unnest(...). */
export type IngestMethod = 'copy' | 'unnest'

export type Row = unknown[]

export interface Item {
  /** Local id or entity id, as stored in sync_quarantine. */
  localId: string
  local: Row
  central: Row
}

export interface Quarantine {
  stream: string
  item: Item
  error: string
}

const UNIQUE_VIOLATION = '23505'

/** Data errors: the row, not the connection, is the problem. */
export function isRowError(err: unknown): boolean {
  if (err instanceof RowEncodeError) return true
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code)
}

export function describeError(err: unknown): { code: string; message: string } {
  if (isVigilError(err)) return { code: err.code, message: err.message }
  const e = err as { code?: unknown; message?: string }
  const code = typeof e?.code === 'string' ? e.code : 'SYNC_CENTRAL_UNAVAILABLE'
  return { code, message: e?.message || String(err) }
}

export function notConfiguredError(): VigilError {
  return new VigilError('SYNC_NOT_CONFIGURED', 'No central database configured (--central-url / VIGIL_CENTRAL_URL).')
}

export interface CentralWriterOptions {
  url: string | undefined
  stationId: string
  stationName: string
  method: IngestMethod
  connectTimeoutMs?: number
  logger: Logger
}

/** How a direct COPY ended: committed, refused for duplicates (a replay), or refused for anything else. */
export type DirectCopyResult = 'committed' | 'duplicates' | 'refused'

export interface CentralWriter {
  connection(): Promise<Client>
  dropConnection(): void
  /** Ends a connect still in progress (a silent host), so a stop need not wait out its timeout. */
  abortConnect(): void
  /**
   * Writes `items` in one transaction; on a data error splits the batch and retries the halves until the
   * bad rows are alone, collecting them in `bad`. Transient errors propagate (the caller backs off).
   */
  writeIsolating(stream: string, items: Item[], bad: Quarantine[], write: (c: Client, rows: Row[]) => Promise<void>): Promise<void>
  /**
   * One binary COPY straight into `table` plus the stream position, in one transaction. Rolled back
   * whole when the server refuses any row; a connection that cannot even roll back is dropped and the
   * error rethrown (transient).
   */
  copyDirect(table: string, columns: readonly CentralColumn[], data: Buffer, stream: string, lastLocalId: number, onSent?: () => void): Promise<DirectCopyResult>
  recordStreamPosition(c: Client, stream: string, lastLocalId: number): Promise<void>
  /** Stamps the station's last successful pass; best effort, only on an open connection. */
  markSynced(): Promise<void>
}

export function createCentralWriter(options: CentralWriterOptions): CentralWriter {
  const { url, stationId, method, logger } = options
  const requiredVersion = url ? latestCentralVersion() : 0
  let client: Client | null = null
  let connecting: Client | null = null

  function dropConnection(): void {
    const c = client
    client = null
    c?.end().catch(() => undefined)
  }

  async function connection(): Promise<Client> {
    if (client) return client
    if (!url) throw notConfiguredError()
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

  async function copyDirect(table: string, columns: readonly CentralColumn[], data: Buffer, stream: string, lastLocalId: number, onSent?: () => void): Promise<DirectCopyResult> {
    const c = await connection()
    try {
      await c.query('BEGIN')
      await copyInto(c, `COPY ${table} (${columnList(columns)}) FROM STDIN (FORMAT binary)`, data, onSent)
      await recordStreamPosition(c, stream, lastLocalId)
      await c.query('COMMIT')
      return 'committed'
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {
        dropConnection()
        throw err
      })
      return (err as { code?: unknown }).code === UNIQUE_VIOLATION ? 'duplicates' : 'refused'
    }
  }

  async function markSynced(): Promise<void> {
    if (client) await client.query('UPDATE stations SET last_sync_at = now() WHERE station_id = $1', [stationId]).catch(() => undefined)
  }

  return {
    connection,
    dropConnection,
    abortConnect() {
      connecting?.end().catch(() => undefined)
    },
    writeIsolating,
    copyDirect,
    recordStreamPosition,
    markSynced
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

export function columnList(columns: readonly CentralColumn[]): string {
  return columns.map((col) => col.name).join(', ')
}

export function updateSet(columns: readonly CentralColumn[], keep: string[]): string {
  return columns
    .filter((c) => !keep.includes(c.name))
    .map((c) => `${c.name} = EXCLUDED.${c.name}`)
    .join(', ')
}

/** Returns the rows the conflict clause let through (inserted or updated). */
export async function insertRows(c: Client, table: string, columns: readonly CentralColumn[], rows: Row[], conflict: string, useCopy: boolean): Promise<number> {
  const cols = columnList(columns)
  if (useCopy) {
    const stage = `vigil_stage_${table}`
    await copyInto(c, `COPY ${stage} (${cols}) FROM STDIN (FORMAT binary)`, encodeCopyBinary(columns, rows))
    return (await c.query(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage} ${conflict}`)).rowCount ?? 0
  }
  const { sql, params } = buildUnnestSelect(columns, rows)
  return (await c.query(`INSERT INTO ${table} (${cols}) ${sql} ${conflict}`, params)).rowCount ?? 0
}
