/**
 * Append-only streams (EEG, events, fatigue metrics, alerts, markers as first written): rows read by
 * local id after the stream's cursor, written centrally with keys fixed at the station, so a replayed
 * batch is a no-op. New rows take the direct COPY; a stream that met duplicates goes through the
 * staging table until a batch is all new again.
 */
import type { LocalDatabase } from '../storage/database'
import type { CentralWriter, IngestMethod, Item, Quarantine, Row } from './central-writer'
import { insertRows } from './central-writer'
import { encodeCopyBinary, RowEncodeError } from './pg-encoding'
import { APPEND_STREAMS, type AppendStream } from './streams'
import type { SyncLedger } from './sync-ledger'
import type { ConsentGate } from './consent-gate'

/** Rows of an append stream read in one go; `data` is their COPY payload (null: a row cannot be encoded). */
interface AppendBatch {
  /** The rows that go: those read, less the rows of sessions without central-sync consent. */
  raw: Row[]
  central: Row[]
  lastId: number
  /** Rows read (a full read means there may be more). */
  readCount: number
  /** Sessions whose rows were held back (consent-gate.ts). */
  held: Set<string>
  data?: Buffer | null
}

export interface AppendSyncOptions {
  writer: CentralWriter
  ledger: SyncLedger
  stationId: string
  method: IngestMethod
  batchRows: number
  db: LocalDatabase
  countRows(n: number): void
  /** Read between batches: a stop ends the drain after the batch in flight. */
  control: { readonly stopping: boolean }
  consent: ConsentGate
}

export interface AppendSync {
  /** Drains the stream to its current end; throws on transient errors. */
  drain(stream: AppendStream): Promise<void>
}

export function createAppendSync(options: AppendSyncOptions): AppendSync {
  const { writer, ledger, stationId, method, batchRows, control } = options
  // Streams whose last batch met rows already central: they skip the direct COPY (see copyDirect).
  const replaying = new Set<string>()
  const selectStmts = new Map(APPEND_STREAMS.map((s) => [s.name, options.db.prepare(s.selectSql).raw()]))

  /** Reads (and for the direct COPY, encodes) the append-stream rows after `afterId`; null when there are none. */
  function readBatch(stream: AppendStream, afterId: number): AppendBatch | null {
    const read = selectStmts.get(stream.name)!.all(afterId, batchRows) as Row[]
    if (read.length === 0) return null
    const held = new Set<string>()
    let raw = read
    const sessionIndex = stream.sessionIdIndex
    if (options.consent.isEnabled && sessionIndex !== undefined) {
      options.consent.beginBatch()
      raw = read.filter((r) => {
        const sessionId = r[sessionIndex] as string | null
        if (options.consent.allows(sessionId)) return true
        held.add(sessionId!)
        return false
      })
    }
    const central = raw.map((r) => stream.toCentral(r, stationId))
    let data: Buffer | null | undefined
    if (method === 'copy' && !replaying.has(stream.name) && central.length > 0) {
      try {
        data = encodeCopyBinary(stream.columns, central)
      } catch (err) {
        if (!(err instanceof RowEncodeError)) throw err
        data = null
      }
    }
    return { raw, central, lastId: read[read.length - 1][0] as number, readCount: read.length, held, data }
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
    const result = await writer.copyDirect(stream.centralTable, stream.columns, batch.data, stream.name, batch.lastId, onSent)
    // Duplicates come in runs (a replay after a lost acknowledgement): stage until a batch is all new.
    if (result === 'duplicates') replaying.add(stream.name)
    return result === 'committed'
  }

  /** One batch of an append-only stream; returns the number of local rows consumed. */
  async function syncBatch(stream: AppendStream, batch: AppendBatch, onSent?: () => void): Promise<number> {
    const { raw, central, lastId } = batch
    // Held sessions are recorded in the transaction that moves the cursor past their rows.
    const holdHeld = batch.held.size > 0 ? () => options.consent.hold(batch.held) : undefined
    if (raw.length === 0) {
      onSent?.()
      ledger.commitLocal(stream.name, lastId, [], holdHeld)
      return batch.readCount
    }
    if (await copyDirect(stream, batch, onSent)) {
      ledger.commitLocal(stream.name, lastId, [], holdHeld)
      options.countRows(raw.length)
      return batch.readCount
    }
    const items: Item[] = raw.map((r, i) => ({ localId: String(r[0]), local: r, central: central[i] }))
    const bad: Quarantine[] = []
    await writer.writeIsolating(stream.name, items, bad, async (c, rows) => {
      const inserted = await insertRows(c, stream.centralTable, stream.columns, rows, 'ON CONFLICT DO NOTHING', method === 'copy')
      if (inserted === rows.length) replaying.delete(stream.name)
      await writer.recordStreamPosition(c, stream.name, lastId)
    })
    ledger.commitLocal(stream.name, lastId, bad, holdHeld)
    options.countRows(raw.length - bad.length)
    return batch.readCount
  }

  /**
   * The next batch is read and encoded while the server ingests the current one (SQLite reads block
   * this thread, so they fill the wait instead of adding to it); it is used only if the current batch
   * committed and no other engine moved the cursor meanwhile.
   */
  async function drain(stream: AppendStream): Promise<void> {
    let batch = readBatch(stream, ledger.cursorOf(stream.name))
    while (batch && !control.stopping) {
      const current = batch
      const isFull = current.readCount >= batchRows
      const ahead: { batch?: AppendBatch | null } = {}
      await syncBatch(stream, current, isFull ? () => (ahead.batch = readBatch(stream, current.lastId)) : undefined)
      if (!isFull) return
      const cursor = ledger.cursorOf(stream.name)
      batch = ahead.batch !== undefined && cursor === current.lastId ? ahead.batch : readBatch(stream, cursor)
    }
  }

  return { drain }
}
