/** SQL for `participants`: the only place their columns are mapped to camelCase. */
import type { ConsentScope } from '../../shared/schemas/participants'
import type { LocalDatabase } from '../storage/database'

export type ParticipantSex = 'female' | 'male' | 'other'
export type ParticipantHandedness = 'left' | 'right' | 'ambidextrous'

export interface Participant {
  id: string
  code: string
  consentFormVersion: string
  /** YYYY-MM-DD */
  consentDate: string
  consentScopes: ConsentScope[]
  age: number | null
  sex: ParticipantSex | null
  handedness: ParticipantHandedness | null
  createdBy: string
  createdAt: string
  updatedAt: string
  version: number
}

interface ParticipantRow {
  id: string
  code: string
  consent_form_version: string
  consent_date: string
  consent_local_recording: number
  consent_central_sync: number
  consent_data_sharing: number
  age: number | null
  sex: ParticipantSex | null
  handedness: ParticipantHandedness | null
  created_by: string
  created_at: string
  updated_at: string
  version: number
}

/** Scope → column, in CONSENT_SCOPES order. */
export const SCOPE_COLUMNS: Record<ConsentScope, 'consent_local_recording' | 'consent_central_sync' | 'consent_data_sharing'> = {
  local_recording: 'consent_local_recording',
  central_sync: 'consent_central_sync',
  data_sharing: 'consent_data_sharing'
}

function toParticipant(row: ParticipantRow): Participant {
  return {
    id: row.id,
    code: row.code,
    consentFormVersion: row.consent_form_version,
    consentDate: row.consent_date,
    consentScopes: (Object.keys(SCOPE_COLUMNS) as ConsentScope[]).filter((scope) => row[SCOPE_COLUMNS[scope]] === 1),
    age: row.age,
    sex: row.sex,
    handedness: row.handedness,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version
  }
}

export function findParticipant(db: LocalDatabase, id: string): Participant | null {
  const row = db.prepare('SELECT * FROM participants WHERE id = ?').get(id) as ParticipantRow | undefined
  return row ? toParticipant(row) : null
}

export function findParticipantByCode(db: LocalDatabase, code: string): Participant | null {
  const row = db.prepare('SELECT * FROM participants WHERE code = ?').get(code) as ParticipantRow | undefined
  return row ? toParticipant(row) : null
}

export function insertParticipant(db: LocalDatabase, p: Omit<Participant, 'version'>): Participant {
  const has = (scope: ConsentScope) => (p.consentScopes.includes(scope) ? 1 : 0)
  db.prepare(
    `INSERT INTO participants (id, code, consent_form_version, consent_date, consent_local_recording, consent_central_sync, consent_data_sharing,
       age, sex, handedness, created_by, created_at, updated_at, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`
  ).run(
    p.id,
    p.code,
    p.consentFormVersion,
    p.consentDate,
    has('local_recording'),
    has('central_sync'),
    has('data_sharing'),
    p.age,
    p.sex,
    p.handedness,
    p.createdBy,
    p.createdAt,
    p.updatedAt
  )
  return findParticipant(db, p.id)!
}

export type ParticipantPatch = Partial<Pick<Participant, 'consentFormVersion' | 'consentDate' | 'consentScopes' | 'age' | 'sex' | 'handedness'>>

/** Applies the patch, bumping `version` (which also queues the record for the sync). */
export function updateParticipant(db: LocalDatabase, id: string, patch: ParticipantPatch, nowIso: string): Participant {
  const sets: string[] = []
  const values: unknown[] = []
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`)
    values.push(value)
  }
  if (patch.consentFormVersion !== undefined) set('consent_form_version', patch.consentFormVersion)
  if (patch.consentDate !== undefined) set('consent_date', patch.consentDate)
  if (patch.consentScopes !== undefined) {
    for (const [scope, column] of Object.entries(SCOPE_COLUMNS)) set(column, patch.consentScopes.includes(scope as ConsentScope) ? 1 : 0)
  }
  if (patch.age !== undefined) set('age', patch.age)
  if (patch.sex !== undefined) set('sex', patch.sex)
  if (patch.handedness !== undefined) set('handedness', patch.handedness)
  sets.push('updated_at = ?', 'version = version + 1')
  values.push(nowIso, id)
  db.prepare(`UPDATE participants SET ${sets.join(', ')} WHERE id = ?`).run(...values)
  return findParticipant(db, id)!
}

export function deleteParticipant(db: LocalDatabase, id: string): void {
  db.prepare('DELETE FROM participants WHERE id = ?').run(id)
}

export interface ParticipantFilter {
  code?: string
  createdBy?: string
}

export function listParticipants(db: LocalDatabase, filter: ParticipantFilter, skip: number, limit: number): { data: Participant[]; count: number } {
  const where: string[] = []
  const values: unknown[] = []
  if (filter.code) {
    where.push('code = ?')
    values.push(filter.code)
  }
  if (filter.createdBy) {
    where.push('created_by = ?')
    values.push(filter.createdBy)
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const rows = db.prepare(`SELECT * FROM participants ${clause} ORDER BY code LIMIT ? OFFSET ?`).all(...values, limit, skip) as ParticipantRow[]
  const count = db.prepare(`SELECT count(*) FROM participants ${clause}`).pluck().get(...values) as number
  return { data: rows.map(toParticipant), count }
}

/** How many sessions name this participant code (a record they refer to cannot be deleted). */
export function countSessionsOf(db: LocalDatabase, code: string): number {
  return db.prepare('SELECT count(*) FROM sessions WHERE participant_code = ?').pluck().get(code) as number
}

/** Whether the participant of `sessionId` consented to `scope`; false for an unknown session or participant. */
export function sessionHasConsent(db: LocalDatabase, sessionId: string, scope: ConsentScope): boolean {
  return (
    db
      .prepare(`SELECT EXISTS (SELECT 1 FROM sessions s JOIN participants p ON p.code = s.participant_code WHERE s.id = ? AND p.${SCOPE_COLUMNS[scope]} = 1)`)
      .pluck()
      .get(sessionId) === 1
  )
}
