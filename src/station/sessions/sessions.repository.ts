/** SQL for `sessions` and `markers`: the only place their columns are mapped to camelCase. */
import type { SessionStatus } from '../../shared/schemas/sessions'
import type { LocalDatabase } from '../storage/database'

export interface SessionDevice {
  kind: string
  port: string | null
  channelNames: string[]
  sampleRateHz: number
}

export interface ScenarioRef {
  id: string
  seed: number
}

export interface Session {
  id: string
  stationId: string
  name: string
  participantCode: string
  notes: string
  scenario: ScenarioRef | null
  device: SessionDevice | null
  status: SessionStatus
  startedAt: string | null
  endedAt: string | null
  createdBy: string
  createdAt: string
  updatedAt: string
  version: number
}

export interface SessionCounters {
  samples: number
  faceEvents: number
  gameEvents: number
  alerts: number
}

export interface Marker {
  uid: string
  sessionId: string
  tMs: number
  label: string
  value: string | null
  createdBy: string | null
}

interface SessionRow {
  id: string
  station_id: string
  name: string
  participant_code: string
  notes: string
  scenario_json: string | null
  device_json: string | null
  status: SessionStatus
  started_at: string | null
  ended_at: string | null
  created_by: string
  created_at: string
  updated_at: string
  version: number
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    stationId: row.station_id,
    name: row.name,
    participantCode: row.participant_code,
    notes: row.notes,
    scenario: row.scenario_json ? (JSON.parse(row.scenario_json) as ScenarioRef) : null,
    device: row.device_json ? deviceFromJson(row.device_json) : null,
    status: row.status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version
  }
}

function deviceFromJson(json: string): SessionDevice {
  const d = JSON.parse(json) as Partial<SessionDevice>
  return { kind: d.kind ?? 'unknown', port: d.port ?? null, channelNames: d.channelNames ?? [], sampleRateHz: d.sampleRateHz ?? 0 }
}

export function findSession(db: LocalDatabase, id: string): Session | null {
  const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined
  return row ? toSession(row) : null
}

export function findRecordingSession(db: LocalDatabase): Session | null {
  const row = db.prepare("SELECT * FROM sessions WHERE status = 'recording' LIMIT 1").get() as SessionRow | undefined
  return row ? toSession(row) : null
}

/** A recording or paused session with its recorder's account, as the monitor feed lists it. */
export interface ActiveSession {
  id: string
  name: string
  participantCode: string
  status: SessionStatus
  startedAt: string | null
  createdBy: string
  /** Null when the creating account no longer exists. */
  creator: { email: string; fullName: string | null } | null
  alertCount: number
}

interface ActiveSessionRow {
  id: string
  name: string
  participant_code: string
  status: SessionStatus
  started_at: string | null
  created_by: string
  email: string | null
  full_name: string | null
  alert_count: number
}

/** Recording and paused sessions, oldest start first. */
export function listActiveSessions(db: LocalDatabase): ActiveSession[] {
  const rows = db
    .prepare(
      `SELECT s.id, s.name, s.participant_code, s.status, s.started_at, s.created_by, u.email, u.full_name,
              (SELECT count(*) FROM alerts a WHERE a.session_id = s.id) AS alert_count
         FROM sessions s LEFT JOIN users u ON u.id = s.created_by
        WHERE s.status IN ('recording', 'paused')
        ORDER BY s.started_at`
    )
    .all() as ActiveSessionRow[]
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    participantCode: r.participant_code,
    status: r.status,
    startedAt: r.started_at,
    createdBy: r.created_by,
    creator: r.email ? { email: r.email, fullName: r.full_name } : null,
    alertCount: r.alert_count
  }))
}

/** The creating user's id, or undefined for an unknown session. */
export function sessionCreator(db: LocalDatabase, id: string): string | undefined {
  return db.prepare('SELECT created_by FROM sessions WHERE id = ?').pluck().get(id) as string | undefined
}

export function insertSession(db: LocalDatabase, s: Omit<Session, 'version'>): Session {
  db.prepare(
    `INSERT INTO sessions (id, station_id, name, participant_code, notes, scenario_json, device_json, status, started_at, ended_at,
       created_by, created_at, updated_at, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`
  ).run(
    s.id,
    s.stationId,
    s.name,
    s.participantCode,
    s.notes,
    s.scenario ? JSON.stringify(s.scenario) : null,
    s.device ? JSON.stringify(s.device) : null,
    s.status,
    s.startedAt,
    s.endedAt,
    s.createdBy,
    s.createdAt,
    s.updatedAt
  )
  return findSession(db, s.id)!
}

export type SessionPatch = Partial<Pick<Session, 'name' | 'participantCode' | 'notes' | 'scenario' | 'device' | 'status' | 'startedAt' | 'endedAt'>>

const PATCH_COLUMNS: [keyof SessionPatch, string, (v: never) => unknown][] = [
  ['name', 'name', (v) => v],
  ['participantCode', 'participant_code', (v) => v],
  ['notes', 'notes', (v) => v],
  ['scenario', 'scenario_json', (v: ScenarioRef | null) => (v ? JSON.stringify(v) : null)],
  ['device', 'device_json', (v: SessionDevice | null) => (v ? JSON.stringify(v) : null)],
  ['status', 'status', (v) => v],
  ['startedAt', 'started_at', (v) => v],
  ['endedAt', 'ended_at', (v) => v]
]

/** Applies the patch, bumping `version` and `updated_at` (central upserts keep the highest version). */
export function updateSession(db: LocalDatabase, id: string, patch: SessionPatch, nowIso: string): Session {
  const sets: string[] = []
  const values: unknown[] = []
  for (const [key, column, encode] of PATCH_COLUMNS) {
    if (patch[key] === undefined) continue
    sets.push(`${column} = ?`)
    values.push(encode(patch[key] as never))
  }
  sets.push('updated_at = ?', 'version = version + 1')
  values.push(nowIso, id)
  db.prepare(`UPDATE sessions SET ${sets.join(', ')} WHERE id = ?`).run(...values)
  return findSession(db, id)!
}

export interface SessionFilter {
  status?: SessionStatus
  participantCode?: string
  createdBy?: string
  createdAfter?: string
  createdBefore?: string
}

export function listSessions(db: LocalDatabase, filter: SessionFilter, skip: number, limit: number): { data: Session[]; count: number } {
  const where: string[] = []
  const values: unknown[] = []
  const add = (condition: string, value: unknown) => {
    where.push(condition)
    values.push(value)
  }
  if (filter.status) add('status = ?', filter.status)
  if (filter.participantCode) add('participant_code = ?', filter.participantCode)
  if (filter.createdBy) add('created_by = ?', filter.createdBy)
  if (filter.createdAfter) add('created_at >= ?', filter.createdAfter)
  if (filter.createdBefore) add('created_at < ?', filter.createdBefore)
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const rows = db.prepare(`SELECT * FROM sessions ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all(...values, limit, skip) as SessionRow[]
  const count = (db.prepare(`SELECT count(*) AS n FROM sessions ${clause}`).get(...values) as { n: number }).n
  return { data: rows.map(toSession), count }
}

export function sessionCounters(db: LocalDatabase, id: string): SessionCounters {
  const row = db
    .prepare(
      `SELECT (SELECT count(*) FROM eeg_samples WHERE session_id = @id) AS samples,
              (SELECT count(*) FROM face_events WHERE session_id = @id) AS face_events,
              (SELECT count(*) FROM game_events WHERE session_id = @id) AS game_events,
              (SELECT count(*) FROM alerts WHERE session_id = @id) AS alerts`
    )
    .get({ id }) as { samples: number; face_events: number; game_events: number; alerts: number }
  return { samples: row.samples, faceEvents: row.face_events, gameEvents: row.game_events, alerts: row.alerts }
}

/**
 * The station paused a session by itself (it was recording when the station stopped: crash, power
 * loss, restart). Kept as a `device_events` row of this kind, with the session, so the reason survives
 * restarts and reaches the central database like the headset's own events, without a new table.
 */
export const SESSION_INTERRUPTED_KIND = 'session.interrupted'

export interface SessionInterruption {
  tMs: number
  reason: 'station_restart'
  /** The newest EEG sample stored before the interruption (UTC epoch ms), null when none. */
  lastSampleTMs: number | null
  /** The session's `version` after the station's pause: any later change (resume, pause, edit) ends the reason. */
  sessionVersion: number
}

export function recordInterruption(db: LocalDatabase, sessionId: string, tMs: number, sessionVersion: number): SessionInterruption {
  const row = db.prepare('SELECT max(t_ms) AS t FROM eeg_samples WHERE session_id = ?').get(sessionId) as { t: number | null }
  const interruption: SessionInterruption = { tMs, reason: 'station_restart', lastSampleTMs: row.t, sessionVersion }
  db.prepare('INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)').run(
    sessionId,
    tMs,
    SESSION_INTERRUPTED_KIND,
    JSON.stringify({ reason: interruption.reason, lastSampleTMs: interruption.lastSampleTMs, sessionVersion })
  )
  return interruption
}

export function lastInterruption(db: LocalDatabase, sessionId: string): SessionInterruption | null {
  const row = db.prepare('SELECT t_ms, data_json FROM device_events WHERE session_id = ? AND kind = ? ORDER BY t_ms DESC LIMIT 1').get(sessionId, SESSION_INTERRUPTED_KIND) as
    | { t_ms: number; data_json: string }
    | undefined
  if (!row) return null
  const data = JSON.parse(row.data_json) as { lastSampleTMs?: number | null; sessionVersion?: number }
  return { tMs: row.t_ms, reason: 'station_restart', lastSampleTMs: data.lastSampleTMs ?? null, sessionVersion: data.sessionVersion ?? -1 }
}

export interface HeadsetOutage {
  fromMs: number
  /** Null while the headset is still away (the session goes on without EEG). */
  toMs: number | null
}

const OUTAGE_START = new Set(['disconnected', 'reconnecting'])
const OUTAGE_END = new Set(['connected', 'reconnected'])

/**
 * Spans of a session without its headset, from the headset's own events stored with the session
 * (device_events): from a disconnect or a reconnect attempt to the next connect. An outage still open
 * when the session ended closes at its end. The driver's own counters restart with every connection,
 * so they cannot tell this; the events can.
 */
export function headsetOutages(db: LocalDatabase, session: Pick<Session, 'id' | 'endedAt'>): HeadsetOutage[] {
  const rows = db
    .prepare("SELECT t_ms, kind FROM device_events WHERE session_id = ? AND kind IN ('disconnected', 'reconnecting', 'connected', 'reconnected') ORDER BY t_ms, id")
    .all(session.id) as { t_ms: number; kind: string }[]
  const outages: HeadsetOutage[] = []
  let open: HeadsetOutage | null = null
  for (const row of rows) {
    if (OUTAGE_START.has(row.kind) && !open) {
      open = { fromMs: row.t_ms, toMs: null }
      outages.push(open)
    } else if (OUTAGE_END.has(row.kind) && open) {
      open.toMs = row.t_ms
      open = null
    }
  }
  if (open && session.endedAt) open.toMs = Math.max(open.fromMs, Date.parse(session.endedAt))
  return outages
}

/** Tables holding a session's rows, deleted explicitly (not only by cascade) so the intent is visible. */
const SESSION_DATA_TABLES = ['eeg_samples', 'face_events', 'game_events', 'alerts', 'markers', 'fatigue_metrics', 'device_events'] as const

/** Deletes a session and all its rows in one transaction and leaves a tombstone for the sync. */
export function deleteSessionWithData(db: LocalDatabase, id: string, nowIso: string): void {
  db.transaction(() => {
    for (const table of SESSION_DATA_TABLES) db.prepare(`DELETE FROM ${table} WHERE session_id = ?`).run(id)
    db.prepare('DELETE FROM sessions WHERE id = ?').run(id)
    db.prepare("INSERT INTO tombstones (entity, entity_id, deleted_at) VALUES ('session', ?, ?)").run(id, nowIso)
  })()
}

interface MarkerRow {
  uid: string
  session_id: string
  t_ms: number
  label: string
  value: string | null
  created_by: string | null
}

function toMarker(row: MarkerRow): Marker {
  return { uid: row.uid, sessionId: row.session_id, tMs: row.t_ms, label: row.label, value: row.value, createdBy: row.created_by }
}

export function listMarkers(db: LocalDatabase, sessionId: string): Marker[] {
  return (db.prepare('SELECT uid, session_id, t_ms, label, value, created_by FROM markers WHERE session_id = ? ORDER BY t_ms, id').all(sessionId) as MarkerRow[]).map(
    toMarker
  )
}
