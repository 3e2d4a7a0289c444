/** SQL for fatigue output: `fatigue_metrics` rows, `alerts` rows and their acknowledgement. */
import type { Alert, AlertSeverity, AlertType, FatigueMetrics } from '../../shared/schemas/fatigue'
import { newId, nowIso } from '../ids'
import type { SessionDevice as StoredSessionDevice } from '../sessions/sessions.repository'
import type { LocalDatabase } from '../storage/database'
import type { EngineAlert } from './engine'

interface AlertRow {
  uid: string
  session_id: string
  t_ms: number
  type: AlertType
  severity: AlertSeverity
  score: number | null
  message: string
  acknowledged_at: string | null
  acknowledged_by: string | null
}

function toAlert(row: AlertRow): Alert {
  const { uid, ...rest } = row
  return { id: uid, ...rest }
}

/** What the engine needs of a session's device: channel names and rate. */
export type SessionDevice = Pick<StoredSessionDevice, 'channelNames' | 'sampleRateHz'>

export interface FatigueRepository {
  insertMetrics(sessionId: string, metrics: FatigueMetrics): void
  insertAlert(sessionId: string, alert: EngineAlert): Alert
  listAlerts(sessionId: string, query: { skip: number; limit: number; unacknowledged?: boolean; sinceMs?: number }): { data: Alert[]; count: number }
  /** Acknowledges once (a repeat keeps the first time and user); null when the alert is not in the session. */
  acknowledge(sessionId: string, alertId: string, userId: string | null, nowMs: number): Alert | null
  sessionExists(sessionId: string): boolean
  /** Channel names and rate recorded with the session (`device_json`), when known. */
  sessionDevice(sessionId: string): SessionDevice | null
}

const ALERT_COLUMNS = 'uid, session_id, t_ms, type, severity, score, message, acknowledged_at, acknowledged_by'

export function createFatigueRepository(db: LocalDatabase): FatigueRepository {
  const insertMetric = db.prepare('INSERT INTO fatigue_metrics (session_id, t_ms, score, level, data_json) VALUES (?, ?, ?, ?, ?)')
  const insertAlertRow = db.prepare('INSERT INTO alerts (uid, session_id, t_ms, type, severity, score, message) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const selectAlert = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE session_id = ? AND uid = ?`)
  const ackAlert = db.prepare('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE session_id = ? AND uid = ? AND acknowledged_at IS NULL')
  const selectSession = db.prepare('SELECT device_json FROM sessions WHERE id = ?')

  return {
    insertMetrics(sessionId, metrics) {
      insertMetric.run(sessionId, metrics.tMs, metrics.score, metrics.level, JSON.stringify(metrics))
    },
    insertAlert(sessionId, alert) {
      const uid = newId()
      insertAlertRow.run(uid, sessionId, alert.tMs, alert.type, alert.severity, alert.score, alert.message)
      return toAlert(selectAlert.get(sessionId, uid) as AlertRow)
    },
    listAlerts(sessionId, { skip, limit, unacknowledged, sinceMs }) {
      const where = ['session_id = ?']
      const params: unknown[] = [sessionId]
      if (unacknowledged) where.push('acknowledged_at IS NULL')
      if (sinceMs !== undefined) {
        where.push('t_ms >= ?')
        params.push(sinceMs)
      }
      const clause = where.join(' AND ')
      const count = (db.prepare(`SELECT count(*) AS n FROM alerts WHERE ${clause}`).get(...params) as { n: number }).n
      const rows = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${clause} ORDER BY t_ms DESC, id DESC LIMIT ? OFFSET ?`).all(...params, limit, skip) as AlertRow[]
      return { data: rows.map(toAlert), count }
    },
    acknowledge(sessionId, alertId, userId, nowMs) {
      ackAlert.run(nowIso(nowMs), userId, sessionId, alertId)
      const row = selectAlert.get(sessionId, alertId) as AlertRow | undefined
      return row ? toAlert(row) : null
    },
    sessionExists(sessionId) {
      return selectSession.get(sessionId) !== undefined
    },
    sessionDevice(sessionId) {
      const row = selectSession.get(sessionId) as { device_json: string | null } | undefined
      if (!row?.device_json) return null
      try {
        const d = JSON.parse(row.device_json) as Record<string, unknown>
        // sessions.repository stores the device camelCase (its SessionDevice), not the snake_case REST
        // shape; a row written in the REST shape by hand or by an older build is read as well.
        const channelNames = d.channelNames ?? d.channel_names
        const sampleRateHz = d.sampleRateHz ?? d.sample_rate_hz
        if (!Array.isArray(channelNames) || typeof sampleRateHz !== 'number' || !(sampleRateHz > 0)) return null
        return { channelNames: channelNames.map(String), sampleRateHz }
      } catch {
        return null
      }
    }
  }
}
