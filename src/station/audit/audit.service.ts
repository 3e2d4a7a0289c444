/**
 * The audit trail's one writer: every audited place calls `record` (one line at the call site), and
 * the row lands in `audit_events` at once, synchronously, so the trail holds every action that
 * returned. What is recorded and what never is: docs/security.md "Audit trail".
 */
import type { AuditAction, AuditDetail, AuditTargetType } from '../../shared/schemas/audit'
import type { SessionStatus } from '../../shared/schemas/sessions'
import { systemClock, type Clock } from '../clock'
import type { Logger } from '../logger'
import type { LocalDatabase } from '../storage/database'
import { normalizeEmail } from '../auth/users.repository'
import { insertAuditRow } from './audit.repository'

export interface AuditActor {
  id: string
  email: string
}

export interface AuditEntry {
  action: AuditAction
  /** Who acted; null/absent for the station itself or someone not signed in. */
  actor?: AuditActor | null
  /** Without an actor: the email someone tried (a failed sign-in), normalised before it is stored. */
  attemptedEmail?: string
  target?: { type: AuditTargetType; id: string | null }
  clientAddress?: string | null
  detail?: Record<string, string | number | boolean | null | undefined>
}

export interface AuditLog {
  /** Appends one row; returns its id, or null when it could not be written (logged as an error). */
  record(entry: AuditEntry): number | null
}

/** Keys that could carry a credential: dropped from `detail` whatever a call site passes. */
const SECRET_KEY = /pass|token|secret|hash|key|authori[sz]ation|cookie/i
const MAX_DETAIL_KEYS = 16
const MAX_DETAIL_CHARS = 200

/** Small scalar facts only: bounded in size, secrets filtered, undefined dropped. */
export function sanitizeDetail(detail: AuditEntry['detail']): AuditDetail {
  const out: AuditDetail = {}
  if (!detail) return out
  for (const [key, value] of Object.entries(detail)) {
    if (Object.keys(out).length >= MAX_DETAIL_KEYS) break
    if (value === undefined || SECRET_KEY.test(key)) continue
    if (typeof value === 'number' && !Number.isFinite(value)) continue
    out[key] = typeof value === 'string' && value.length > MAX_DETAIL_CHARS ? `${value.slice(0, MAX_DETAIL_CHARS - 1)}…` : value
  }
  return out
}

/** `clock` defaults to the system clock (the CLI's). */
export function createAuditLog(options: { db: LocalDatabase; stationId: string; clock?: Clock; logger: Logger }): AuditLog {
  const { db, stationId, logger } = options
  const clock = options.clock ?? systemClock
  return {
    record(entry) {
      const actorEmail = entry.actor?.email ?? (entry.attemptedEmail !== undefined ? normalizeEmail(entry.attemptedEmail).slice(0, 320) : null)
      try {
        return insertAuditRow(db, {
          stationId,
          tMs: clock.wallMs(),
          actorId: entry.actor?.id ?? null,
          actorEmail,
          action: entry.action,
          targetType: entry.target?.type ?? null,
          targetId: entry.target?.id ?? null,
          clientAddress: entry.clientAddress ?? null,
          detail: sanitizeDetail(entry.detail)
        })
      } catch (err) {
        // The action itself already happened and its caller's answer must not change; a lost audit
        // row (disk full, database closing) is loud in the log instead.
        logger.error({ err, action: entry.action, actorId: entry.actor?.id }, 'audit row could not be written')
        return null
      }
    }
  }
}

type SettingValue = string | number | boolean | null

function flatten(value: unknown, prefix: string, out: Map<string, SettingValue>): Map<string, SettingValue> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else if (Array.isArray(value)) {
    out.set(prefix, JSON.stringify(value))
  } else if (value === undefined || value === null) {
    out.set(prefix, null)
  } else {
    out.set(prefix, value as SettingValue)
  }
  return out
}

const SETTINGS_META_KEY = 'audit_settings_snapshot'

/**
 * Settings come from the config file, environment and command line, read once at start: a change is
 * seen as a difference from the settings of the previous start, recorded as one `settings.changed`
 * row (`setting: "old → new"`). `settings` must already have secrets masked (describeConfig).
 */
export function recordSettingsAtStart(db: LocalDatabase, audit: AuditLog, settings: Record<string, unknown>): void {
  const current = flatten(settings, '', new Map())
  const row = db.prepare('SELECT value FROM station_meta WHERE key = ?').get(SETTINGS_META_KEY) as { value: string } | undefined
  const snapshot = JSON.stringify(Object.fromEntries(current))
  if (row?.value === snapshot) return
  const previous = new Map(Object.entries(row ? (JSON.parse(row.value) as Record<string, SettingValue>) : {}))
  const changed: Record<string, string> = {}
  let count = 0
  for (const key of new Set([...previous.keys(), ...current.keys()])) {
    const before = previous.has(key) ? previous.get(key)! : undefined
    const after = current.has(key) ? current.get(key)! : undefined
    if (before === after) continue
    count++
    if (row) changed[key] = `${String(before)} → ${String(after)}`
  }
  db.prepare('INSERT INTO station_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SETTINGS_META_KEY, snapshot)
  // The first start only notes that settings began; later starts list what differs (the first 16).
  const summary = row ? { changed_count: count } : { settings_count: count, is_first_start: true }
  audit.record({ action: 'settings.changed', target: { type: 'station', id: null }, detail: { ...summary, ...changed } })
}

/** The audit action of a session edit, from the status before and after it. */
export function sessionAuditAction(from: SessionStatus, to: SessionStatus): AuditAction {
  if (from === to) return 'session.updated'
  if (to === 'recording') return from === 'paused' ? 'session.resumed' : 'session.started'
  if (to === 'paused') return 'session.paused'
  if (to === 'completed') return 'session.stopped'
  if (to === 'aborted') return 'session.aborted'
  return 'session.updated'
}
