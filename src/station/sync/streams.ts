/**
 * What the sync moves, table by table: append-only streams read by local id (cursor in `sync_cursors`),
 * and mutable entities (users, sessions, alert/marker edits) read through `sync_outbox`.
 * Local rows map to central rows here and nowhere else.
 */
import { EEG_SYNC_SELECT } from '../storage/eeg-samples.repository'
import type { CentralColumn } from './pg-encoding'

/** Local epoch ms (REAL, sub-ms allowed) → the integer microseconds stored centrally. */
export function msToUs(tMs: number): number {
  return Math.round(tMs * 1000)
}

/** ISO-8601 text → integer microseconds. */
export function isoToUs(iso: string): number {
  return Date.parse(iso) * 1000
}

export interface AppendStream {
  /** Cursor name and local table. */
  name: string
  centralTable: string
  columns: readonly CentralColumn[]
  /** Local query: `id > ?` ordered by id, `LIMIT ?`, raw rows with the id first. */
  selectSql: string
  /** Raw local row (id first) → central values in `columns` order. */
  toCentral(row: unknown[], stationId: string): unknown[]
  /** Local column holding epoch ms, for retention pruning. */
  timeColumn: string
  /** False for the audit trail: its rows are kept locally after sync (and its table refuses DELETE). */
  isPrunable?: boolean
  /** False for the audit trail: a deleted session's rows go centrally too, but not what was done to it. */
  hasSessionId?: boolean
  /** Index of `session_id` in the raw row: rows of sessions without central-sync consent wait (consent-gate.ts). */
  sessionIdIndex?: number
}

const eventColumns: readonly CentralColumn[] = [
  { name: 'station_id', type: 'uuid' },
  { name: 'local_id', type: 'int8' },
  { name: 'session_id', type: 'uuid' },
  { name: 'time', type: 'timestamptz' },
  { name: 'kind', type: 'text' },
  { name: 'data', type: 'jsonb' }
]

function kindEventStream(name: string, sessionNullable = false): AppendStream {
  return {
    name,
    centralTable: name,
    columns: sessionNullable ? eventColumns.map((c) => (c.name === 'session_id' ? { ...c, nullable: true } : c)) : eventColumns,
    selectSql: `SELECT id, session_id, t_ms, kind, data_json FROM ${name} WHERE id > ? ORDER BY id LIMIT ?`,
    toCentral: (r, stationId) => [stationId, r[0], r[1], msToUs(r[2] as number), r[3], r[4]],
    timeColumn: 't_ms',
    sessionIdIndex: 1
  }
}

export const EEG_STREAM: AppendStream = {
  name: 'eeg_samples',
  centralTable: 'eeg_data',
  columns: [
    { name: 'session_id', type: 'uuid' },
    { name: 'time', type: 'timestamptz' },
    { name: 'seq', type: 'int8' },
    { name: 'values_uv', type: 'float4le[]' }
  ],
  selectSql: EEG_SYNC_SELECT,
  toCentral: (r) => [r[1], msToUs(r[2] as number), r[3], r[4]],
  timeColumn: 't_ms',
  sessionIdIndex: 1
}

export const ALERTS_STREAM: AppendStream = {
  name: 'alerts',
  centralTable: 'alerts',
  columns: [
    { name: 'station_id', type: 'uuid' },
    { name: 'local_id', type: 'int8' },
    { name: 'uid', type: 'uuid' },
    { name: 'session_id', type: 'uuid' },
    { name: 'time', type: 'timestamptz' },
    { name: 'type', type: 'text' },
    { name: 'severity', type: 'text' },
    { name: 'score', type: 'float8', nullable: true },
    { name: 'message', type: 'text' },
    { name: 'acknowledged_at', type: 'timestamptz', nullable: true },
    { name: 'acknowledged_by', type: 'text', nullable: true }
  ],
  selectSql:
    'SELECT id, uid, session_id, t_ms, type, severity, score, message, acknowledged_at, acknowledged_by FROM alerts WHERE id > ? ORDER BY id LIMIT ?',
  toCentral: (r, stationId) => [stationId, r[0], r[1], r[2], msToUs(r[3] as number), r[4], r[5], r[6], r[7], r[8] === null ? null : isoToUs(r[8] as string), r[9]],
  timeColumn: 't_ms',
  sessionIdIndex: 2
}

export const MARKERS_STREAM: AppendStream = {
  name: 'markers',
  centralTable: 'markers',
  columns: [
    { name: 'station_id', type: 'uuid' },
    { name: 'local_id', type: 'int8' },
    { name: 'uid', type: 'uuid' },
    { name: 'session_id', type: 'uuid' },
    { name: 'time', type: 'timestamptz' },
    { name: 'label', type: 'text' },
    { name: 'value', type: 'text', nullable: true },
    { name: 'created_by', type: 'text', nullable: true }
  ],
  selectSql: 'SELECT id, uid, session_id, t_ms, label, value, created_by FROM markers WHERE id > ? ORDER BY id LIMIT ?',
  toCentral: (r, stationId) => [stationId, r[0], r[1], r[2], msToUs(r[3] as number), r[4], r[5], r[6]],
  timeColumn: 't_ms',
  sessionIdIndex: 2
}

export const FATIGUE_STREAM: AppendStream = {
  name: 'fatigue_metrics',
  centralTable: 'fatigue_metrics',
  columns: [
    { name: 'station_id', type: 'uuid' },
    { name: 'local_id', type: 'int8' },
    { name: 'session_id', type: 'uuid' },
    { name: 'time', type: 'timestamptz' },
    { name: 'score', type: 'float8', nullable: true },
    { name: 'level', type: 'text', nullable: true },
    { name: 'data', type: 'jsonb' }
  ],
  selectSql: 'SELECT id, session_id, t_ms, score, level, data_json FROM fatigue_metrics WHERE id > ? ORDER BY id LIMIT ?',
  toCentral: (r, stationId) => [stationId, r[0], r[1], msToUs(r[2] as number), r[3], r[4], r[5]],
  timeColumn: 't_ms',
  sessionIdIndex: 1
}

/** The audit trail (migrations/local/005, central/002): append-only at both ends. */
export const AUDIT_STREAM: AppendStream = {
  name: 'audit_events',
  centralTable: 'audit_events',
  columns: [
    { name: 'station_id', type: 'uuid' },
    { name: 'local_id', type: 'int8' },
    { name: 'time', type: 'timestamptz' },
    { name: 'actor_id', type: 'uuid', nullable: true },
    { name: 'actor_email', type: 'text', nullable: true },
    { name: 'action', type: 'text' },
    { name: 'target_type', type: 'text', nullable: true },
    { name: 'target_id', type: 'text', nullable: true },
    { name: 'client_address', type: 'text', nullable: true },
    { name: 'detail', type: 'jsonb' }
  ],
  selectSql:
    'SELECT id, t_ms, actor_id, actor_email, action, target_type, target_id, client_address, detail_json FROM audit_events WHERE id > ? ORDER BY id LIMIT ?',
  // station_id centrally is the syncing station's, as for every stream (the local column holds the same value).
  toCentral: (r, stationId) => [stationId, r[0], msToUs(r[1] as number), r[2], r[3], r[4], r[5], r[6], r[7], r[8]],
  timeColumn: 't_ms',
  isPrunable: false,
  hasSessionId: false
}

/** In sync order: small, meaningful streams first so they are never stuck behind hours of EEG. */
export const APPEND_STREAMS: readonly AppendStream[] = [
  AUDIT_STREAM,
  ALERTS_STREAM,
  MARKERS_STREAM,
  FATIGUE_STREAM,
  kindEventStream('device_events', true),
  kindEventStream('game_events'),
  kindEventStream('face_events'),
  EEG_STREAM
]

/** Streams whose synced rows `pruneSyncedAfterDays` may delete locally. */
export const PRUNABLE_STREAMS: readonly AppendStream[] = APPEND_STREAMS.filter((s) => s.isPrunable !== false)

export const OUTBOX_STREAM = 'sync_outbox'
export const TOMBSTONE_STREAM = 'tombstones'

/** Every cursor name, for status and tests. */
export const ALL_STREAMS: readonly string[] = [OUTBOX_STREAM, TOMBSTONE_STREAM, ...APPEND_STREAMS.map((s) => s.name)]

export const USER_COLUMNS: readonly CentralColumn[] = [
  { name: 'id', type: 'uuid' },
  { name: 'station_id', type: 'uuid' },
  { name: 'email', type: 'text' },
  { name: 'full_name', type: 'text', nullable: true },
  { name: 'role', type: 'text' },
  { name: 'is_active', type: 'bool' },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'updated_at', type: 'timestamptz' }
]

export const USER_SELECT = 'SELECT id, email, full_name, role, is_active, created_at, updated_at FROM users WHERE id = ?'

export function userToCentral(r: unknown[], stationId: string): unknown[] {
  return [r[0], stationId, r[1], r[2], r[3], r[4] === 1, isoToUs(r[5] as string), isoToUs(r[6] as string)]
}

export const SESSION_COLUMNS: readonly CentralColumn[] = [
  { name: 'id', type: 'uuid' },
  { name: 'station_id', type: 'uuid' },
  { name: 'name', type: 'text' },
  { name: 'participant_code', type: 'text' },
  { name: 'notes', type: 'text' },
  { name: 'scenario', type: 'jsonb', nullable: true },
  { name: 'device', type: 'jsonb', nullable: true },
  { name: 'status', type: 'text' },
  { name: 'started_at', type: 'timestamptz', nullable: true },
  { name: 'ended_at', type: 'timestamptz', nullable: true },
  { name: 'created_by', type: 'uuid' },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'updated_at', type: 'timestamptz' },
  { name: 'version', type: 'int4' }
]

export const SESSION_SELECT =
  'SELECT id, station_id, name, participant_code, notes, scenario_json, device_json, status, started_at, ended_at, created_by, created_at, updated_at, version FROM sessions WHERE id = ?'

export function sessionToCentral(r: unknown[]): unknown[] {
  const isoOrNull = (v: unknown) => (v === null ? null : isoToUs(v as string))
  return [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], isoOrNull(r[8]), isoOrNull(r[9]), r[10], isoToUs(r[11] as string), isoToUs(r[12] as string), r[13]]
}
