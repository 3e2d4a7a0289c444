/**
 * What the sync reports: its state, pending rows per stream, throughput, the last success and error,
 * and the quarantine. Status is asked for twice a second while syncing, so everything it reads is cheap
 * (prepared statements, estimated counts beyond a limit) and bus events are throttled.
 */
import type { QuarantinedRow, SyncState, SyncStatus } from '../../shared/schemas/sync'
import type { Clock } from '../clock'
import { maskUrl } from '../config'
import type { StationEventBus } from '../events'
import type { LocalDatabase } from '../storage/database'
import type { ConsentGate } from './consent-gate'
import type { SyncLedger } from './sync-ledger'
import { ALL_STREAMS } from './streams'

const RATE_WINDOW_MS = 10_000
const STATUS_EVENT_MIN_MS = 500

export interface SyncStatusTracker {
  readonly state: SyncState
  /** Consecutive failed passes. */
  readonly failures: number
  status(): SyncStatus
  pendingCounts(): { pending: Record<string, number>; total: number; isExact: boolean }
  /** Emits `sync.statusChanged`, at most every STATUS_EVENT_MIN_MS unless forced. */
  publish(force?: boolean): void
  setState(next: SyncState): void
  /** Rows committed centrally, for the total and the rate. */
  countRows(n: number): void
  succeeded(atIso: string): void
  failed(error: { code: string; message: string; at: string }, nextRetryAt: string): void
}

export interface SyncStatusOptions {
  db: LocalDatabase
  ledger: SyncLedger
  consent: ConsentGate
  url: string | undefined
  clock: Clock
  events?: StationEventBus
  /** Pending rows per table counted exactly up to this many (see pendingCounts). */
  exactCountLimit: number
}

export function createSyncStatus(options: SyncStatusOptions): SyncStatusTracker {
  const { db, ledger, url, clock, exactCountLimit } = options
  let state: SyncState = url ? 'idle' : 'disabled'
  let syncedTotal = 0
  let lastSuccessAt: string | null = null
  let lastError: SyncStatus['last_error'] = null
  let nextRetryAt: string | null = null
  let failures = 0
  let lastStatusEventMs = 0
  const rateSamples: Array<{ atMs: number; rows: number }> = []
  const countQuarantined = db.prepare('SELECT count(*) FROM sync_quarantine').pluck()
  const recentQuarantined = db.prepare('SELECT stream, local_id, error, quarantined_at FROM sync_quarantine ORDER BY id DESC LIMIT 5')

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
    for (const table of ALL_STREAMS) {
      const cursor = ledger.cursorOf(table)
      const span = ledger.highWater(table) - cursor
      if (span <= exactCountLimit) pending[table] = span <= 0 ? 0 : ledger.countAfter(table, cursor)
      else {
        pending[table] = span
        isExact = false
      }
      total += pending[table]
    }
    pending.participants = options.consent.pendingParticipants()
    total += pending.participants
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
    const held = options.consent.held()
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
      recent_quarantined: recent,
      consent_held: held.count,
      recent_consent_held: held.recent
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

  return {
    get state() {
      return state
    },
    get failures() {
      return failures
    },
    status,
    pendingCounts,
    publish,
    setState,
    countRows(n) {
      syncedTotal += n
      rateSamples.push({ atMs: clock.monotonicMs(), rows: n })
      publish()
    },
    succeeded(atIso) {
      lastSuccessAt = atIso
      failures = 0
      nextRetryAt = null
      lastError = null
    },
    failed(error, retryAt) {
      failures++
      lastError = error
      nextRetryAt = retryAt
    }
  }
}
