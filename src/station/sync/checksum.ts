/**
 * Content checksums of what a station holds locally and what the central database holds for it, in
 * one canonical text form per row (times as integer µs, channel values as float32 bits, JSON with
 * sorted keys), so "synced exactly once" can be checked rather than assumed: same row count and same
 * SHA-256 on both sides. Quarantined rows are left out locally, as they never reach the centre.
 */
import { createHash } from 'node:crypto'
import type { ClientBase } from 'pg'
import type { LocalDatabase } from '../storage/database'
import { blobValues, EEG_CHECKSUM_SELECT } from '../storage/eeg-samples.repository'
import { isoToUs, msToUs } from './streams'

export interface TableChecksum {
  rows: number
  sha256: string
}

/** Keyed by the local table name (the central twin is named in docs/sync.md). */
export type Checksums = Record<string, TableChecksum>

type Row = Record<string, unknown>

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

function jsonText(value: unknown): string {
  if (value === null || value === undefined) return '∅'
  return canonicalJson(typeof value === 'string' ? JSON.parse(value) : value)
}

function f32Hex(values: ArrayLike<number>): string {
  return Buffer.from(Float32Array.from(values).buffer).toString('hex')
}

const n = (v: unknown) => (v === null || v === undefined ? '∅' : String(v))
const usOfIso = (v: unknown) => (v === null || v === undefined ? '∅' : String(isoToUs(v as string)))
const usOfMs = (v: unknown) => String(msToUs(v as number))

function digest(lines: string[]): TableChecksum {
  lines.sort()
  const hash = createHash('sha256')
  for (const line of lines) hash.update(line).update('\n')
  return { rows: lines.length, sha256: hash.digest('hex') }
}

interface TableSpec {
  local: string
  localSql: string
  localLine(r: Row): string
  centralSql: string
  centralLine(r: Row): string
  /** sync_quarantine.stream of this table's rows, and the column holding the quarantined id. */
  quarantineStream: string
  idColumn: string
}

const eventLine = (r: Row) => [r.local_id, r.session_id, r.time_us, r.kind, jsonText(r.data)].map(n).join('|')

function kindTable(table: string): TableSpec {
  return {
    local: table,
    localSql: `SELECT id AS local_id, session_id, t_ms, kind, data_json AS data FROM ${table}`,
    localLine: (r) => eventLine({ ...r, time_us: usOfMs(r.t_ms) }),
    centralSql: `SELECT local_id, session_id, (extract(epoch FROM time) * 1000000)::int8 AS time_us, kind, data FROM ${table} WHERE station_id = $1`,
    centralLine: eventLine,
    quarantineStream: table,
    idColumn: 'local_id'
  }
}

const TIME_US = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::int8`

const TABLES: TableSpec[] = [
  {
    local: 'users',
    localSql: 'SELECT id, email, full_name, role, is_active, created_at, updated_at FROM users',
    localLine: (r) => [r.id, r.email, r.full_name, r.role, r.is_active === 1 ? 't' : 'f', usOfIso(r.created_at), usOfIso(r.updated_at)].map(n).join('|'),
    centralSql: `SELECT id, email, full_name, role, is_active, ${TIME_US('created_at')} AS c, ${TIME_US('updated_at')} AS u FROM users WHERE station_id = $1`,
    centralLine: (r) => [r.id, r.email, r.full_name, r.role, r.is_active ? 't' : 'f', r.c, r.u].map(n).join('|'),
    quarantineStream: 'sync_outbox:user',
    idColumn: 'id'
  },
  {
    local: 'sessions',
    localSql: 'SELECT id, name, participant_code, notes, scenario_json, device_json, status, started_at, ended_at, created_by, created_at, updated_at, version FROM sessions',
    localLine: (r) =>
      [r.id, r.name, r.participant_code, r.notes, jsonText(r.scenario_json), jsonText(r.device_json), r.status, usOfIso(r.started_at), usOfIso(r.ended_at), r.created_by, usOfIso(r.created_at), usOfIso(r.updated_at), r.version]
        .map(n)
        .join('|'),
    centralSql:
      `SELECT id, name, participant_code, notes, scenario, device, status, ${TIME_US('started_at')} AS s, ${TIME_US('ended_at')} AS e, created_by, ` +
      `${TIME_US('created_at')} AS c, ${TIME_US('updated_at')} AS u, version FROM sessions WHERE station_id = $1`,
    centralLine: (r) => [r.id, r.name, r.participant_code, r.notes, jsonText(r.scenario), jsonText(r.device), r.status, r.s, r.e, r.created_by, r.c, r.u, r.version].map(n).join('|'),
    quarantineStream: 'sync_outbox:session',
    idColumn: 'id'
  },
  {
    local: 'eeg_samples',
    localSql: EEG_CHECKSUM_SELECT,
    localLine: (r) => [r.session_id, r.seq, usOfMs(r.t_ms), f32Hex(blobValues(r.values_f32 as Buffer))].join('|'),
    centralSql: `SELECT session_id, seq, ${TIME_US('time')} AS time_us, values_uv FROM eeg_data WHERE session_id IN (SELECT id FROM sessions WHERE station_id = $1)`,
    centralLine: (r) => [r.session_id, r.seq, r.time_us, f32Hex(r.values_uv as number[])].join('|'),
    quarantineStream: 'eeg_samples',
    idColumn: 'id'
  },
  kindTable('face_events'),
  kindTable('game_events'),
  kindTable('device_events'),
  {
    local: 'alerts',
    localSql: 'SELECT id, uid, session_id, t_ms, type, severity, score, message, acknowledged_at, acknowledged_by FROM alerts',
    localLine: (r) => [r.id, r.uid, r.session_id, usOfMs(r.t_ms), r.type, r.severity, r.score, r.message, usOfIso(r.acknowledged_at), r.acknowledged_by].map(n).join('|'),
    centralSql: `SELECT local_id, uid, session_id, ${TIME_US('time')} AS t, type, severity, score, message, ${TIME_US('acknowledged_at')} AS a, acknowledged_by FROM alerts WHERE station_id = $1`,
    centralLine: (r) => [r.local_id, r.uid, r.session_id, r.t, r.type, r.severity, r.score, r.message, r.a, r.acknowledged_by].map(n).join('|'),
    quarantineStream: 'alerts',
    idColumn: 'id'
  },
  {
    local: 'markers',
    localSql: 'SELECT id, uid, session_id, t_ms, label, value, created_by FROM markers',
    localLine: (r) => [r.id, r.uid, r.session_id, usOfMs(r.t_ms), r.label, r.value, r.created_by].map(n).join('|'),
    centralSql: `SELECT local_id, uid, session_id, ${TIME_US('time')} AS t, label, value, created_by FROM markers WHERE station_id = $1`,
    centralLine: (r) => [r.local_id, r.uid, r.session_id, r.t, r.label, r.value, r.created_by].map(n).join('|'),
    quarantineStream: 'markers',
    idColumn: 'id'
  },
  {
    local: 'fatigue_metrics',
    localSql: 'SELECT id, session_id, t_ms, score, level, data_json FROM fatigue_metrics',
    localLine: (r) => [r.id, r.session_id, usOfMs(r.t_ms), r.score, r.level, jsonText(r.data_json)].map(n).join('|'),
    centralSql: `SELECT local_id, session_id, ${TIME_US('time')} AS t, score, level, data FROM fatigue_metrics WHERE station_id = $1`,
    centralLine: (r) => [r.local_id, r.session_id, r.t, r.score, r.level, jsonText(r.data)].map(n).join('|'),
    quarantineStream: 'fatigue_metrics',
    idColumn: 'id'
  },
  {
    local: 'audit_events',
    localSql: 'SELECT id, t_ms, actor_id, actor_email, action, target_type, target_id, client_address, detail_json FROM audit_events',
    localLine: (r) =>
      [r.id, usOfMs(r.t_ms), r.actor_id, r.actor_email, r.action, r.target_type, r.target_id, r.client_address, jsonText(r.detail_json)].map(n).join('|'),
    centralSql:
      `SELECT local_id, ${TIME_US('time')} AS t, actor_id, actor_email, action, target_type, target_id, client_address, detail ` +
      'FROM audit_events WHERE station_id = $1',
    centralLine: (r) => [r.local_id, r.t, r.actor_id, r.actor_email, r.action, r.target_type, r.target_id, r.client_address, jsonText(r.detail)].map(n).join('|'),
    quarantineStream: 'audit_events',
    idColumn: 'id'
  }
]

export function localChecksums(db: LocalDatabase): Checksums {
  const out: Checksums = {}
  const quarantined = db.prepare('SELECT local_id FROM sync_quarantine WHERE stream = ?').pluck()
  for (const t of TABLES) {
    const skip = new Set((quarantined.all(t.quarantineStream) as string[]).map(String))
    const lines: string[] = []
    for (const r of db.prepare(t.localSql).iterate() as Iterable<Row>) {
      if (skip.size > 0 && skip.has(String(r[t.idColumn]))) continue
      lines.push(t.localLine(r))
    }
    out[t.local] = digest(lines)
  }
  return out
}

export async function centralChecksums(client: ClientBase, stationId: string): Promise<Checksums> {
  const out: Checksums = {}
  for (const t of TABLES) {
    const res = await client.query<Row>(t.centralSql, [stationId])
    out[t.local] = digest(res.rows.map(t.centralLine))
  }
  return out
}
