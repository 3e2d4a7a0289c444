/** Participant records written straight into SQLite, for tests whose subject is what consent allows. */
import type { ConsentScope } from '../../src/shared/schemas/participants'
import { newId } from '../../src/station/ids'
import type { LocalDatabase } from '../../src/station/storage/database'

export interface ConsentOptions {
  age?: number | null
  sex?: 'female' | 'male' | 'other' | null
}

/** Records (or replaces) the consent of participant `code`: exactly `scopes`, bumping the version as an edit would. */
export function recordParticipantConsent(db: LocalDatabase, code: string, scopes: readonly ConsentScope[], o: ConsentOptions = {}): void {
  const now = new Date().toISOString()
  const has = (scope: ConsentScope) => (scopes.includes(scope) ? 1 : 0)
  db.prepare(
    `INSERT INTO participants (id, code, consent_form_version, consent_date, consent_local_recording, consent_central_sync, consent_data_sharing,
       age, sex, handedness, created_by, created_at, updated_at)
     VALUES (?, ?, 'v2', '2026-11-01', ?, ?, ?, ?, ?, 'right', 'someone', ?, ?)
     ON CONFLICT (code) DO UPDATE SET consent_local_recording = excluded.consent_local_recording, consent_central_sync = excluded.consent_central_sync,
       consent_data_sharing = excluded.consent_data_sharing, version = version + 1, updated_at = excluded.updated_at`
  ).run(newId(), code, has('local_recording'), has('central_sync'), has('data_sharing'), o.age === undefined ? 34 : o.age, o.sex === undefined ? 'female' : o.sex, now, now)
}
