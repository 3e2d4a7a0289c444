/**
 * Mutable entities: edits of users, sessions, alerts and markers read through `sync_outbox` (pointers,
 * the entity's newest state is read at sync time), and deletions read from `tombstones`. Central upserts
 * let the newest state win; a deleted session takes its central rows with it and is never resurrected.
 */
import type { LocalDatabase } from '../storage/database'
import { buildUnnestSelect, type CentralColumn } from './pg-encoding'
import { columnList, insertRows, updateSet, type CentralWriter, type Item, type Quarantine, type Row } from './central-writer'
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
  userToCentral
} from './streams'
import type { ConsentGate } from './consent-gate'
import type { SyncLedger } from './sync-ledger'

const TOMBSTONE_COLUMNS: readonly CentralColumn[] = [
  { name: 'entity', type: 'text' },
  { name: 'entity_id', type: 'uuid' },
  { name: 'station_id', type: 'uuid' },
  { name: 'deleted_at', type: 'timestamptz' }
]

export interface EntitySyncOptions {
  db: LocalDatabase
  writer: CentralWriter
  ledger: SyncLedger
  stationId: string
  batchRows: number
  countRows(n: number): void
  consent: ConsentGate
}

export interface EntitySync {
  /** One outbox batch; returns the number of outbox rows consumed. */
  syncOutboxBatch(): Promise<number>
  /** One tombstone batch; returns the number of tombstones consumed. */
  syncTombstoneBatch(): Promise<number>
}

export function createEntitySync(options: EntitySyncOptions): EntitySync {
  const { db, writer, ledger, stationId, batchRows } = options
  const selectOutbox = db.prepare('SELECT id, entity, entity_id FROM sync_outbox WHERE id > ? ORDER BY id LIMIT ?').raw()
  const deleteOutbox = db.prepare('DELETE FROM sync_outbox WHERE id <= ?')
  const selectTombstones = db.prepare('SELECT id, entity, entity_id, deleted_at FROM tombstones WHERE id > ? ORDER BY id LIMIT ?').raw()
  const selectUser = db.prepare(USER_SELECT).raw()
  const selectSession = db.prepare(SESSION_SELECT).raw()
  const selectAlert = db.prepare(ALERTS_STREAM.selectSql.replace('WHERE id > ? ORDER BY id LIMIT ?', 'WHERE id = ?')).raw()
  const selectMarker = db.prepare(MARKERS_STREAM.selectSql.replace('WHERE id > ? ORDER BY id LIMIT ?', 'WHERE id = ?')).raw()

  async function upsertEntities(stream: string, items: Item[], bad: Quarantine[], columns: readonly CentralColumn[], table: string, conflict: string): Promise<void> {
    if (items.length === 0) return
    await writer.writeIsolating(stream, items, bad, async (c, rows) => {
      await insertRows(c, table, columns, rows, conflict, false)
    })
  }

  /** Edits of users, sessions, alerts and markers, newest state of each entity once. */
  async function syncOutboxBatch(): Promise<number> {
    const raw = selectOutbox.all(ledger.cursorOf(OUTBOX_STREAM), batchRows) as Array<[number, string, string]>
    if (raw.length === 0) return 0
    const lastId = raw[raw.length - 1][0]
    const seen = new Set<string>()
    const held = new Set<string>()
    const { consent } = options
    consent.beginBatch()
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
      if (!local || !central) continue
      // Sessions without central-sync consent, and their alert and marker edits, wait (consent-gate.ts).
      const sessionId = (entity === 'session' ? local[0] : entity === 'alert' || entity === 'marker' ? local[2] : null) as string | null
      if (!consent.allows(sessionId)) {
        held.add(sessionId!)
        continue
      }
      byEntity[entity].push({ localId: entityId, local, central })
    }
    const bad: Quarantine[] = []
    // Users before sessions (sessions name their creator), sessions before the rows that refer to them.
    await upsertEntities(`${OUTBOX_STREAM}:user`, byEntity.user, bad, USER_COLUMNS, 'users',
      `ON CONFLICT (id) DO UPDATE SET ${updateSet(USER_COLUMNS, ['id', 'station_id', 'created_at'])} WHERE users.updated_at <= EXCLUDED.updated_at`)
    if (byEntity.session.length > 0) {
      const cols = columnList(SESSION_COLUMNS)
      await writer.writeIsolating(`${OUTBOX_STREAM}:session`, byEntity.session, bad, async (c, rows) => {
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
    ledger.commitLocal(OUTBOX_STREAM, lastId, bad, () => {
      deleteOutbox.run(lastId)
      if (held.size > 0) consent.hold(held)
      for (const [entity, items] of Object.entries(byEntity)) {
        for (const item of items) {
          const stream = `${OUTBOX_STREAM}:${entity}`
          if (!badKeys.has(`${stream}|${item.localId}`)) ledger.unquarantine(stream, item.localId)
        }
      }
    })
    options.countRows(seen.size - bad.length)
    return raw.length
  }

  /** Deletions: recorded centrally, and a deleted session takes its rows with it. */
  async function syncTombstoneBatch(): Promise<number> {
    const raw = selectTombstones.all(ledger.cursorOf(TOMBSTONE_STREAM), batchRows) as Array<[number, string, string, string]>
    if (raw.length === 0) return 0
    const lastId = raw[raw.length - 1][0]
    const items: Item[] = raw.map((r) => ({ localId: String(r[0]), local: r, central: [r[1], r[2], stationId, Date.parse(r[3]) * 1000] }))
    const bad: Quarantine[] = []
    await writer.writeIsolating(TOMBSTONE_STREAM, items, bad, async (c, rows) => {
      await insertRows(c, 'tombstones', TOMBSTONE_COLUMNS, rows, 'ON CONFLICT DO NOTHING', false)
      const sessionIds = rows.filter((r) => r[0] === 'session').map((r) => r[1])
      if (sessionIds.length === 0) return
      await c.query('DELETE FROM eeg_data WHERE session_id = ANY($1::uuid[])', [sessionIds])
      for (const s of APPEND_STREAMS) {
        if (s.centralTable === 'eeg_data' || s.hasSessionId === false) continue
        await c.query(`DELETE FROM ${s.centralTable} WHERE station_id = $1 AND session_id = ANY($2::uuid[])`, [stationId, sessionIds])
      }
      await c.query('DELETE FROM sessions WHERE station_id = $1 AND id = ANY($2::uuid[])', [stationId, sessionIds])
    })
    ledger.commitLocal(TOMBSTONE_STREAM, lastId, bad)
    options.countRows(raw.length - bad.length)
    return raw.length
  }

  return { syncOutboxBatch, syncTombstoneBatch }
}
