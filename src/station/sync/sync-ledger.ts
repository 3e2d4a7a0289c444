/**
 * The local side of the sync's bookkeeping: per-stream cursors (`sync_cursors`) and the quarantine
 * (`sync_quarantine`). A cursor moves only here, after the central commit of the rows below it, in the
 * same local transaction that quarantines the rows the centre refused.
 */
import type { Clock } from '../clock'
import type { Logger } from '../logger'
import type { LocalDatabase } from '../storage/database'
import { storageErrorOf } from '../storage/storage-errors'
import type { Quarantine } from './central-writer'
import { ALL_STREAMS } from './streams'

export interface SyncLedger {
  cursorOf(stream: string): number
  /** The stream table's AUTOINCREMENT high-water mark: the last id ever committed locally. */
  highWater(stream: string): number
  /** Whether any row is left with `afterId < id <= throughId`. */
  hasRowsBetween(stream: string, afterId: number, throughId: number): boolean
  /** Rows after `afterId`, counted (linear in the rows). */
  countAfter(stream: string, afterId: number): number
  /** Quarantines `bad` and moves the cursor to `lastId`, atomically; `extra` runs in the same transaction. */
  commitLocal(stream: string, lastId: number, bad: Quarantine[], extra?: () => void): void
  unquarantine(stream: string, localId: string): void
}

export function createSyncLedger(db: LocalDatabase, clock: Clock, logger: Logger, onQuarantined: () => void): SyncLedger {
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
  const leftBelow = new Map(ALL_STREAMS.map((t) => [t, db.prepare(`SELECT EXISTS (SELECT 1 FROM ${t} WHERE id > ? AND id <= ?)`).pluck()]))
  const countAfter = new Map(ALL_STREAMS.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t} WHERE id > ?`).pluck()]))

  function commitLocal(stream: string, lastId: number, bad: Quarantine[], extra?: () => void): void {
    try {
      db.transaction(() => {
        const at = new Date(clock.wallMs()).toISOString()
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
    if (bad.length > 0) onQuarantined()
  }

  return {
    cursorOf: (stream) => (getCursor.get(stream) as number | undefined) ?? 0,
    highWater: (stream) => (highWater.get(stream) as number | undefined) ?? 0,
    hasRowsBetween: (stream, afterId, throughId) => Boolean(leftBelow.get(stream)!.get(afterId, throughId)),
    countAfter: (stream, afterId) => countAfter.get(stream)!.get(afterId) as number,
    commitLocal,
    unquarantine(stream, localId) {
      unquarantine.run(stream, localId)
    }
  }
}

/** Buffers (EEG blobs) as hex in quarantine copies. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { hex: Buffer.from((value as { data: number[] }).data).toString('hex') }
  }
  return value
}
