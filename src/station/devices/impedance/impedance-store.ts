/**
 * Impedance checks are stored as `device_events` rows of kind `impedance` with the session they were
 * run for: that table already syncs centrally and is exported with the session's device events, so a
 * check needs no table of its own. The row's `data_json` is the measurement (values per electrode,
 * thresholds, pass/fail).
 */
import type { LocalDatabase } from '../../storage/database'
import type { ImpedanceMeasurement } from './impedance'

export interface StoredImpedanceCheck extends ImpedanceMeasurement {
  id: number
  sessionId: string | null
}

export interface ImpedanceOverride {
  checkId: number
  sessionId: string
  tMs: number
  userId: string
  badElectrodes: string[]
}

export interface ImpedanceStore {
  record(sessionId: string | null, measurement: ImpedanceMeasurement): StoredImpedanceCheck
  listForSession(sessionId: string): StoredImpedanceCheck[]
  /** The session's most recent check (by time, then insertion), or null when it has none. */
  latestForSession(sessionId: string): StoredImpedanceCheck | null
  /** Whether someone stored an override for check `checkId`. */
  hasOverride(checkId: number): boolean
  find(id: number): StoredImpedanceCheck | null
  /** The session's overrides, oldest first. */
  listOverridesForSession(sessionId: string): ImpedanceOverride[]
  /** Notes that `userId` went on recording despite the failed check: an `impedance_override` row. */
  recordOverride(check: StoredImpedanceCheck & { sessionId: string }, userId: string, tMs: number): ImpedanceOverride
}

function toCheck(row: { id: number; session_id: string | null; data_json: string }): StoredImpedanceCheck {
  return { ...(JSON.parse(row.data_json) as ImpedanceMeasurement), id: row.id, sessionId: row.session_id }
}

export function createImpedanceStore(db: LocalDatabase): ImpedanceStore {
  const insert = db.prepare("INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, 'impedance', ?)")
  const select = db.prepare("SELECT id, session_id, data_json FROM device_events WHERE session_id = ? AND kind = 'impedance' ORDER BY t_ms, id")
  const selectLatest = db.prepare("SELECT id, session_id, data_json FROM device_events WHERE session_id = ? AND kind = 'impedance' ORDER BY t_ms DESC, id DESC LIMIT 1")
  const selectOverride = db.prepare("SELECT 1 FROM device_events WHERE kind = 'impedance_override' AND json_extract(data_json, '$.checkId') = ? LIMIT 1")
  const selectOverrides = db.prepare("SELECT session_id, t_ms, data_json FROM device_events WHERE session_id = ? AND kind = 'impedance_override' ORDER BY t_ms, id")
  const selectOne = db.prepare("SELECT id, session_id, data_json FROM device_events WHERE id = ? AND kind = 'impedance'")
  const insertOverride = db.prepare("INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, 'impedance_override', ?)")
  return {
    record(sessionId, measurement) {
      const info = insert.run(sessionId, measurement.tMs, JSON.stringify(measurement))
      return { ...measurement, id: Number(info.lastInsertRowid), sessionId }
    },
    listForSession(sessionId) {
      return (select.all(sessionId) as Array<{ id: number; session_id: string | null; data_json: string }>).map(toCheck)
    },
    latestForSession(sessionId) {
      const row = selectLatest.get(sessionId) as { id: number; session_id: string | null; data_json: string } | undefined
      return row ? toCheck(row) : null
    },
    hasOverride(checkId) {
      return selectOverride.get(checkId) !== undefined
    },
    listOverridesForSession(sessionId) {
      return (selectOverrides.all(sessionId) as Array<{ session_id: string; t_ms: number; data_json: string }>).map((row) => {
        const data = JSON.parse(row.data_json) as { checkId: number; userId: string; badElectrodes: string[] }
        return { checkId: data.checkId, sessionId: row.session_id, tMs: row.t_ms, userId: data.userId, badElectrodes: data.badElectrodes }
      })
    },
    find(id) {
      const row = selectOne.get(id) as { id: number; session_id: string | null; data_json: string } | undefined
      return row ? toCheck(row) : null
    },
    recordOverride(check, userId, tMs) {
      const override = { checkId: check.id, sessionId: check.sessionId, tMs, userId, badElectrodes: check.electrodes.filter((e) => e.rating === 'bad').map((e) => e.label) }
      insertOverride.run(check.sessionId, tMs, JSON.stringify({ checkId: override.checkId, userId, badElectrodes: override.badElectrodes }))
      return override
    }
  }
}
