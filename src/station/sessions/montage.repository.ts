/**
 * A session's montage is stored as `device_events` rows of kind `montage` (the latest row wins), like
 * impedance checks: that table syncs centrally with the session, keeps every edit for the record, and
 * needs no migration (local 008 / central 004, reserved for this work, stay unused).
 */
import type { LocalDatabase } from '../storage/database'

export interface StoredMontage {
  preset: string | null
  electrodes: { label: string; position: string | null }[]
  reference: string
  ground: string
  /** UTC epoch ms of the edit. */
  tMs: number
  userId: string
}

export interface MontageStore {
  /** The session's latest montage, or null when none was stored. */
  latest(sessionId: string): StoredMontage | null
  record(sessionId: string, montage: StoredMontage): void
}

export function createMontageStore(db: LocalDatabase): MontageStore {
  const insert = db.prepare("INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, 'montage', ?)")
  const selectLatest = db.prepare("SELECT data_json FROM device_events WHERE session_id = ? AND kind = 'montage' ORDER BY t_ms DESC, id DESC LIMIT 1").pluck()
  return {
    latest(sessionId) {
      const json = selectLatest.get(sessionId) as string | undefined
      return json ? (JSON.parse(json) as StoredMontage) : null
    },
    record(sessionId, montage) {
      insert.run(sessionId, montage.tMs, JSON.stringify(montage))
    }
  }
}
