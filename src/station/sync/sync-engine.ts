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
 *
 * This file is the worker loop, its back-off and retention pruning; a pass is entity-sync.ts then
 * append-sync.ts, writing through central-writer.ts and recording progress in sync-ledger.ts, and
 * sync-status.ts says how it goes.
 */
import type { SyncStatus } from '../../shared/schemas/sync'
import { systemClock, type Clock } from '../clock'
import type { StationEventBus } from '../events'
import type { Logger } from '../logger'
import type { LocalDatabase } from '../storage/database'
import type { AuditLog } from '../audit'
import { storageErrorOf } from '../storage/storage-errors'
import { createAppendSync } from './append-sync'
import { createCentralWriter, describeError, notConfiguredError, type IngestMethod } from './central-writer'
import { createConsentGate } from './consent-gate'
import { createEntitySync } from './entity-sync'
import { ALL_STREAMS, APPEND_STREAMS, PRUNABLE_STREAMS } from './streams'
import { createSyncLedger } from './sync-ledger'
import { createSyncStatus } from './sync-status'

export type { IngestMethod } from './central-writer'

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
  /**
   * Where sync runs are recorded: every `syncUntilCaughtUp` (the CLI) as it starts, a failure streak's
   * start and its recovery. Routine background passes are not: there is one every few seconds.
   */
  audit?: AuditLog
  /** Hold back sessions whose participant has not consented to central sync (consent-gate.ts). Default false. */
  requireConsent?: boolean
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

const DEFAULT_BATCH_ROWS = 5000
const PRUNE_EVERY_MS = 3600_000
const STOP_GRACE_MS = 3000
/** Up to this many rows after a cursor are counted exactly (a few ms); more are estimated (see pendingCounts). */
const EXACT_COUNT_LIMIT = 250_000

/**
 * Exponential back-off with equal jitter: the ceiling doubles per failed attempt up to `maxMs`; the delay
 * is half the ceiling plus a random half, so stations that failed together do not retry together.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
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

  // An object, so loops see `stop()` flip it between awaits.
  const control = { stopping: false }
  let loop: Promise<void> | null = null
  let wake: (() => void) | null = null
  let lastPruneMs = 0

  const ledger = createSyncLedger(db, clock, logger, () => tracker.publish(true))
  const writer = createCentralWriter({ url, stationId, stationName: options.stationName, method, connectTimeoutMs: options.connectTimeoutMs, logger })
  const countRows = (n: number) => tracker.countRows(n)
  const consent = createConsentGate({
    db,
    writer,
    ledger,
    stationId,
    batchRows,
    isEnabled: options.requireConsent ?? false,
    nowIso: () => new Date(clock.wallMs()).toISOString(),
    countRows
  })
  const tracker = createSyncStatus({ db, ledger, consent, url, clock, events: options.events, exactCountLimit: options.exactCountLimit ?? EXACT_COUNT_LIMIT })
  const appendSync = createAppendSync({ db, writer, ledger, stationId, method, batchRows, countRows, control, consent })
  const entitySync = createEntitySync({ db, writer, ledger, stationId, batchRows, countRows, consent })

  function nowIso(): string {
    return new Date(clock.wallMs()).toISOString()
  }

  /** Runs batches until one comes back short (a full batch means there may be more). */
  async function drain(batch: () => Promise<number>): Promise<void> {
    while (!control.stopping && (await batch()) >= batchRows) continue
  }

  /** Drains every stream to its current end. Throws on transient errors. */
  async function runPass(): Promise<void> {
    const wasFailing = tracker.failures > 0
    tracker.setState('syncing')
    await consent.syncParticipants()
    // Sessions whose participant consented since they were held: queued before the outbox drains.
    const released = consent.queueReleased()
    await drain(entitySync.syncOutboxBatch)
    await drain(entitySync.syncTombstoneBatch)
    for (const stream of APPEND_STREAMS) await appendSync.drain(stream)
    if (released.length > 0) {
      const sent = await consent.release(released)
      logger.info({ sessions: released, rows: sent }, 'sessions held for consent were synced')
    }
    await writer.markSynced()
    tracker.succeeded(nowIso())
    if (wasFailing) options.audit?.record({ action: 'sync.run_completed', target: { type: 'sync', id: null }, detail: { after_failures: true } })
  }

  function recordFailure(err: unknown): number {
    const attempt = tracker.failures + 1
    const { code, message } = describeError(err)
    const at = nowIso()
    const delay = backoffDelayMs(attempt, retryBaseMs, retryMaxMs, random)
    if (attempt === 1) options.audit?.record({ action: 'sync.run_failed', target: { type: 'sync', id: null }, detail: { code, message } })
    tracker.failed({ code, message, at }, new Date(clock.wallMs() + delay).toISOString())
    logger.warn({ code, err: message, retryInMs: delay, attempt }, 'sync failed; will retry')
    tracker.setState('backoff')
    tracker.publish(true)
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
      for (const s of PRUNABLE_STREAMS) {
        // Rows of sessions held for consent lie below the cursor but never went: they are kept.
        const notHeld = s.sessionIdIndex === undefined ? '' : 'AND session_id NOT IN (SELECT session_id FROM sync_consent_held) '
        const stmt = db.prepare(
          `DELETE FROM ${s.name} WHERE id IN (SELECT id FROM ${s.name} WHERE id <= ? AND ${s.timeColumn} < ? ` +
            `AND id NOT IN (SELECT CAST(local_id AS INTEGER) FROM sync_quarantine WHERE stream = ?) ${notHeld}LIMIT 10000)`
        )
        const cursor = ledger.cursorOf(s.name)
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
        tracker.setState('idle')
        if (clock.wallMs() - lastPruneMs > PRUNE_EVERY_MS) {
          lastPruneMs = clock.wallMs()
          pruneSynced()
        }
        tracker.publish(true)
      } catch (err) {
        if (control.stopping) break
        delay = recordFailure(err)
      }
      await sleep(delay)
    }
  }

  async function syncUntilCaughtUp(opts: { onProgress?: (p: SyncProgress) => void; signal?: AbortSignal } = {}): Promise<void> {
    if (!url) throw notConfiguredError()
    // Recorded first, so the row travels with this run and `sync --verify` finds both sides equal.
    options.audit?.record({ action: 'sync.run_requested', target: { type: 'sync', id: null }, detail: { until_caught_up: true } })
    // AUTOINCREMENT high-water marks: everything committed locally before now.
    const target = new Map(ALL_STREAMS.map((s) => [s, ledger.highWater(s)]))
    const { total } = tracker.pendingCounts()
    const report = () => {
      if (!opts.onProgress) return
      const current = tracker.status()
      opts.onProgress({ status: current, remaining: current.pending_total, total })
    }
    const timer = opts.onProgress ? setInterval(report, 250) : null
    try {
      while (!opts.signal?.aborted) {
        try {
          await runPass()
          tracker.setState('idle')
          // Rows deleted before they were synced (a deleted session's samples) leave holes below the
          // high-water mark, so "done" is: nothing left between the cursor and the mark.
          if (ALL_STREAMS.every((s) => !ledger.hasRowsBetween(s, ledger.cursorOf(s), target.get(s)!))) return
        } catch (err) {
          const delay = recordFailure(err)
          await sleep(delay, opts.signal)
        }
      }
    } finally {
      if (timer) clearInterval(timer)
      report()
      writer.dropConnection()
    }
  }

  return {
    get isEnabled() {
      return Boolean(url)
    },
    status: tracker.status,
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
        writer.abortConnect()
        writer.dropConnection()
      }
      await loop
      loop = null
      writer.dropConnection()
      if (url) tracker.setState('stopped')
    },
    runNow() {
      wake?.()
    },
    syncUntilCaughtUp,
    pruneSynced
  }
}
