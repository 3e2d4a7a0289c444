/**
 * Central-sync consent in the sync: rows of a session whose participant has not consented to central
 * sync are skipped, and the session is written to `sync_consent_held` in the same local transaction
 * that moves the stream's cursor past them. Nothing is lost: the rows stay local (retention pruning
 * never runs past a held session's rows, see sync-engine.ts), and once consent is given
 * `release` sends them by session, idempotently (central keys are fixed at the station, so rows that
 * went before a withdrawal are not duplicated), then forgets the hold.
 * Participant records themselves go through `syncParticipants` (demographics only with consent).
 */
import type { LocalDatabase } from '../storage/database'
import { insertRows, type CentralWriter, type Item, type Quarantine, type Row } from './central-writer'
import type { CentralColumn } from './pg-encoding'
import { APPEND_STREAMS, isoToUs } from './streams'
import type { SyncLedger } from './sync-ledger'

export interface HeldSession {
  session_id: string
  participant_code: string | null
  held_at: string
}

export interface ConsentGate {
  readonly isEnabled: boolean
  /** Forgets cached answers: consent given or withdrawn since is seen from the next batch on. */
  beginBatch(): void
  /** Whether rows of this session may go to the central database now (rows without a session always may). */
  allows(sessionId: string | null): boolean
  /** Records held sessions; call inside the transaction that moves the cursor past their rows. */
  hold(sessionIds: Iterable<string>): void
  /** Held sessions whose participant has consented since: their session, alert and marker rows are queued in the outbox. */
  queueReleased(): string[]
  /** Sends the append-stream rows of `sessionIds` that lie below the cursors, then forgets their hold. */
  release(sessionIds: string[]): Promise<number>
  /** Participant records with unsynced versions; returns how many went. */
  syncParticipants(): Promise<number>
  held(): { count: number; recent: HeldSession[] }
  pendingParticipants(): number
}

export interface ConsentGateOptions {
  db: LocalDatabase
  writer: CentralWriter
  ledger: SyncLedger
  stationId: string
  batchRows: number
  /** Off: every session syncs (stations that do not gate on consent). */
  isEnabled: boolean
  nowIso(): string
  countRows(n: number): void
}

const PARTICIPANT_COLUMNS: readonly CentralColumn[] = [
  { name: 'id', type: 'uuid' },
  { name: 'station_id', type: 'uuid' },
  { name: 'code', type: 'text' },
  { name: 'consent_form_version', type: 'text' },
  { name: 'consent_date', type: 'text' },
  { name: 'consent_local_recording', type: 'bool' },
  { name: 'consent_central_sync', type: 'bool' },
  { name: 'consent_data_sharing', type: 'bool' },
  { name: 'age', type: 'int4', nullable: true },
  { name: 'sex', type: 'text', nullable: true },
  { name: 'handedness', type: 'text', nullable: true },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'updated_at', type: 'timestamptz' },
  { name: 'version', type: 'int4' }
]

export const PARTICIPANTS_STREAM = 'participants'

export function createConsentGate(options: ConsentGateOptions): ConsentGate {
  const { db, writer, ledger, stationId, batchRows } = options
  const consentOf = db
    .prepare('SELECT p.consent_central_sync FROM sessions s LEFT JOIN participants p ON p.code = s.participant_code WHERE s.id = ?')
    .raw()
  const insertHeld = db.prepare('INSERT OR IGNORE INTO sync_consent_held (session_id, held_at) VALUES (?, ?)')
  const deleteHeld = db.prepare('DELETE FROM sync_consent_held WHERE session_id = ?')
  const selectHeld = db.prepare('SELECT session_id FROM sync_consent_held ORDER BY held_at, session_id').pluck()
  const countHeld = db.prepare('SELECT count(*) FROM sync_consent_held').pluck()
  const recentHeld = db.prepare(
    'SELECT h.session_id, s.participant_code, h.held_at FROM sync_consent_held h LEFT JOIN sessions s ON s.id = h.session_id ORDER BY h.held_at DESC LIMIT 5'
  )
  const sessionExists = db.prepare('SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?)').pluck()
  const queueSession = db.prepare("INSERT INTO sync_outbox (entity, entity_id) VALUES ('session', ?)")
  const queueAlerts = db.prepare("INSERT INTO sync_outbox (entity, entity_id) SELECT 'alert', CAST(id AS TEXT) FROM alerts WHERE session_id = ? ORDER BY id")
  const queueMarkers = db.prepare("INSERT INTO sync_outbox (entity, entity_id) SELECT 'marker', CAST(id AS TEXT) FROM markers WHERE session_id = ? ORDER BY id")
  const selectParticipants = db.prepare(
    'SELECT id, code, consent_form_version, consent_date, consent_local_recording, consent_central_sync, consent_data_sharing, age, sex, handedness, created_at, updated_at, version FROM participants WHERE version > synced_version ORDER BY id LIMIT ?'
  ).raw()
  const markParticipant = db.prepare('UPDATE participants SET synced_version = ? WHERE id = ? AND synced_version < ?')
  const countParticipants = db.prepare('SELECT count(*) FROM participants WHERE version > synced_version').pluck()
  /**
   * Per stream: a held session's rows below the cursor, by id. Streams without a session column are
   * never held. `+session_id` keeps SQLite on the id range: through a session index it would read and
   * sort all the session's rows for every page (quadratic for an hour of EEG); by id the pages together
   * read each row between the session's first and last once.
   */
  const backfill = new Map(
    APPEND_STREAMS.filter((s) => s.sessionIdIndex !== undefined).map((s) => [
      s.name,
      db.prepare(s.selectSql.replace('WHERE id > ?', 'WHERE +session_id = ? AND id > ? AND id <= ?')).raw()
    ])
  )
  const cache = new Map<string, boolean>()

  function allows(sessionId: string | null): boolean {
    if (!options.isEnabled || sessionId === null) return true
    let answer = cache.get(sessionId)
    if (answer === undefined) {
      const row = consentOf.get(sessionId) as [number | null] | undefined
      // A session deleted since its rows were read: its tombstone removes them centrally anyway.
      answer = row === undefined || row[0] === 1
      cache.set(sessionId, answer)
    }
    return answer
  }

  function queueReleased(): string[] {
    if (!options.isEnabled) return []
    cache.clear()
    const released: string[] = []
    for (const sessionId of selectHeld.all() as string[]) {
      if (!sessionExists.get(sessionId)) {
        deleteHeld.run(sessionId)
        continue
      }
      if (!allows(sessionId)) continue
      // Through the outbox, so the session and its alert and marker edits go with their usual upserts.
      db.transaction(() => {
        queueSession.run(sessionId)
        queueAlerts.run(sessionId)
        queueMarkers.run(sessionId)
      })()
      released.push(sessionId)
    }
    return released
  }

  async function release(sessionIds: string[]): Promise<number> {
    let sent = 0
    cache.clear()
    for (const sessionId of sessionIds) {
      if (!allows(sessionId)) continue
      for (const stream of APPEND_STREAMS) {
        const select = backfill.get(stream.name)
        if (!select) continue
        const cursor = ledger.cursorOf(stream.name)
        for (let after = 0; ; ) {
          const raw = select.all(sessionId, after, cursor, batchRows) as Row[]
          if (raw.length === 0) break
          after = raw[raw.length - 1][0] as number
          const items: Item[] = raw.map((r) => ({ localId: String(r[0]), local: r, central: stream.toCentral(r, stationId) }))
          const bad: Quarantine[] = []
          await writer.writeIsolating(stream.name, items, bad, async (c, rows) => {
            await insertRows(c, stream.centralTable, stream.columns, rows, 'ON CONFLICT DO NOTHING', false)
          })
          // The cursor stays where it is (commitLocal keeps the higher value); refused rows are quarantined.
          ledger.commitLocal(stream.name, cursor, bad)
          sent += raw.length - bad.length
          if (raw.length < batchRows) break
        }
      }
      deleteHeld.run(sessionId)
    }
    options.countRows(sent)
    return sent
  }

  async function syncParticipants(): Promise<number> {
    let sent = 0
    for (;;) {
      const raw = selectParticipants.all(batchRows) as Row[]
      if (raw.length === 0) return sent
      const items: Item[] = raw.map((r) => {
        const consented = r[5] === 1
        // Demographics only with consent; a withdrawal arrives with them cleared.
        const central = [r[0], stationId, r[1], r[2], r[3], r[4] === 1, consented, r[6] === 1, consented ? r[7] : null, consented ? r[8] : null, consented ? r[9] : null,
          isoToUs(r[10] as string), isoToUs(r[11] as string), r[12]]
        return { localId: String(r[0]), local: r, central }
      })
      const bad: Quarantine[] = []
      await writer.writeIsolating(PARTICIPANTS_STREAM, items, bad, async (c, rows) => {
        await insertRows(c, 'participants', PARTICIPANT_COLUMNS, rows,
          'ON CONFLICT (id) DO UPDATE SET consent_form_version = EXCLUDED.consent_form_version, consent_date = EXCLUDED.consent_date, ' +
            'consent_local_recording = EXCLUDED.consent_local_recording, consent_central_sync = EXCLUDED.consent_central_sync, ' +
            'consent_data_sharing = EXCLUDED.consent_data_sharing, age = EXCLUDED.age, sex = EXCLUDED.sex, handedness = EXCLUDED.handedness, ' +
            'updated_at = EXCLUDED.updated_at, version = EXCLUDED.version, received_at = now() WHERE participants.version < EXCLUDED.version', false)
      })
      // Refused records are quarantined and marked too, so they do not block the queue; an edit retries them.
      ledger.commitLocal(PARTICIPANTS_STREAM, 0, bad, () => {
        for (const r of raw) markParticipant.run(r[12], r[0], r[12])
      })
      sent += raw.length - bad.length
      options.countRows(raw.length - bad.length)
      if (raw.length < batchRows) return sent
    }
  }

  return {
    get isEnabled() {
      return options.isEnabled
    },
    beginBatch: () => cache.clear(),
    allows,
    hold(sessionIds) {
      const at = options.nowIso()
      for (const id of sessionIds) insertHeld.run(id, at)
    },
    queueReleased,
    release,
    syncParticipants,
    held: () => ({ count: countHeld.get() as number, recent: recentHeld.all() as HeldSession[] }),
    pendingParticipants: () => countParticipants.get() as number
  }
}
