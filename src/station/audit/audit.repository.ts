/** SQL for `audit_events` (migrations/local/005): the only place its snake_case columns are mapped. */
import type { AuditAction, AuditCsvQuery, AuditDetail, AuditEventResponse, AuditQuery, AuditTargetType } from '../../shared/schemas/audit'
import type { LocalDatabase } from '../storage/database'
import { normalizeEmail } from '../auth/users.repository'

export interface AuditRow {
  stationId: string
  tMs: number
  actorId: string | null
  actorEmail: string | null
  action: AuditAction
  targetType: AuditTargetType | null
  targetId: string | null
  clientAddress: string | null
  detail: AuditDetail
}

interface RawAuditRow {
  id: number
  station_id: string
  t_ms: number
  actor_id: string | null
  actor_email: string | null
  action: AuditAction
  target_type: AuditTargetType | null
  target_id: string | null
  client_address: string | null
  detail_json: string
}

export function toAuditResponse(row: RawAuditRow): AuditEventResponse {
  return {
    id: row.id,
    station_id: row.station_id,
    time: new Date(row.t_ms).toISOString(),
    actor_id: row.actor_id,
    actor_email: row.actor_email,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    client_address: row.client_address,
    detail: JSON.parse(row.detail_json) as AuditDetail
  }
}

export function insertAuditRow(db: LocalDatabase, row: AuditRow): number {
  const result = db
    .prepare(
      'INSERT INTO audit_events (station_id, t_ms, actor_id, actor_email, action, target_type, target_id, client_address, detail_json) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'
    )
    .run(row.stationId, row.tMs, row.actorId, row.actorEmail, row.action, row.targetType, row.targetId, row.clientAddress, JSON.stringify(row.detail))
  return Number(result.lastInsertRowid)
}

/** WHERE clause and parameters of a query; the same for the page, its count and the CSV. */
function whereOf(query: AuditCsvQuery): { sql: string; params: unknown[] } {
  const clauses: string[] = []
  const params: unknown[] = []
  const add = (clause: string, value: unknown) => {
    clauses.push(clause)
    params.push(value)
  }
  if (query.from !== undefined) add('t_ms >= ?', Date.parse(query.from))
  if (query.to !== undefined) add('t_ms < ?', Date.parse(query.to))
  if (query.actor_id !== undefined) add('actor_id = ?', query.actor_id)
  if (query.actor_email !== undefined) add('actor_email = ?', normalizeEmail(query.actor_email))
  if (query.action !== undefined) add('action = ?', query.action)
  if (query.target_type !== undefined) add('target_type = ?', query.target_type)
  if (query.target_id !== undefined) add('target_id = ?', query.target_id)
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params }
}

/** Newest first, by id (ids increase with time of writing, and unlike times never tie). */
export function queryAuditPage(db: LocalDatabase, query: AuditQuery): { data: AuditEventResponse[]; count: number } {
  const where = whereOf(query)
  const rows = db.prepare(`SELECT * FROM audit_events ${where.sql} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...where.params, query.limit, query.skip) as RawAuditRow[]
  const count = (db.prepare(`SELECT count(*) AS n FROM audit_events ${where.sql}`).get(...where.params) as { n: number }).n
  return { data: rows.map(toAuditResponse), count }
}

/**
 * Every matching row, newest first, read in keyset batches: no statement stays open between batches,
 * so a slow download never holds the connection the recorder writes through.
 */
export function* iterateAudit(db: LocalDatabase, query: AuditCsvQuery, batchRows = 1000): Generator<AuditEventResponse> {
  const where = whereOf(query)
  const stmt = db.prepare(`SELECT * FROM audit_events ${where.sql ? `${where.sql} AND` : 'WHERE'} id < ? ORDER BY id DESC LIMIT ?`)
  for (let beforeId = Number.MAX_SAFE_INTEGER; ; ) {
    const rows = stmt.all(...where.params, beforeId, batchRows) as RawAuditRow[]
    for (const row of rows) yield toAuditResponse(row)
    if (rows.length < batchRows) return
    beforeId = rows[rows.length - 1].id
  }
}
