/**
 * The audit trail on the wire: who did what, when, from where (docs/security.md "Audit trail").
 * `action` is a closed vocabulary: a new audited action is a change here, checked by the compiler at
 * every call site, the query filter and the renderer's filter list at once.
 */
import { z } from 'zod'
import { pageOf } from './common'

export const AUDIT_ACTIONS = [
  'auth.registered',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logged_out',
  'user.password_changed',
  'user.updated',
  'user.role_changed',
  'user.deactivated',
  'user.reactivated',
  'session.created',
  'session.updated',
  'session.started',
  'session.paused',
  'session.resumed',
  'session.stopped',
  'session.aborted',
  'session.deleted',
  'live_view.opened',
  'export.downloaded',
  'export.link_created',
  'export.link_used',
  'device.connected',
  'device.connect_failed',
  'device.disconnected',
  'sync.run_requested',
  'sync.run_completed',
  'sync.run_failed',
  'settings.changed',
  'audit.exported'
] as const
export const auditActionSchema = z.enum(AUDIT_ACTIONS).meta({ id: 'AuditAction' })
export type AuditAction = z.infer<typeof auditActionSchema>

export const AUDIT_TARGET_TYPES = ['user', 'session', 'device', 'sync', 'station', 'audit'] as const
export const auditTargetTypeSchema = z.enum(AUDIT_TARGET_TYPES).meta({ id: 'AuditTargetType' })
export type AuditTargetType = z.infer<typeof auditTargetTypeSchema>

/** A few scalar facts about the action (what changed, which format); never samples, passwords or tokens. */
export const auditDetailSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
export type AuditDetail = z.infer<typeof auditDetailSchema>

export const auditEventSchema = z
  .object({
    /** Local sequence number: increasing, never reused; with `station_id` the row's key everywhere. */
    id: z.number().int(),
    station_id: z.string(),
    /** ISO-8601 UTC, millisecond precision. */
    time: z.string(),
    /** Null when nobody was signed in (failed sign-in, the station itself). */
    actor_id: z.string().nullable(),
    /** The actor's email at the time, or the attempted (normalised) email of a failed sign-in. */
    actor_email: z.string().nullable(),
    action: auditActionSchema,
    target_type: auditTargetTypeSchema.nullable(),
    target_id: z.string().nullable(),
    client_address: z.string().nullable(),
    detail: auditDetailSchema
  })
  .meta({ id: 'AuditEvent' })
export type AuditEventResponse = z.infer<typeof auditEventSchema>

export const auditPageSchema = pageOf(auditEventSchema).meta({ id: 'AuditPage' })
export type AuditPage = z.infer<typeof auditPageSchema>

const isoTime = z.iso.datetime({ offset: true })

/** Filters of `GET /audit` and `GET /audit.csv`; every one optional, combined with AND. */
export const auditQuerySchema = z.object({
  /** Inclusive lower bound (ISO-8601). */
  from: isoTime.optional(),
  /** Exclusive upper bound (ISO-8601). */
  to: isoTime.optional(),
  actor_id: z.string().min(1).max(64).optional(),
  /** Exact match on the actor's (or attempted) email, case-insensitive. */
  actor_email: z.string().min(1).max(320).optional(),
  action: auditActionSchema.optional(),
  target_type: auditTargetTypeSchema.optional(),
  target_id: z.string().min(1).max(100).optional(),
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100)
})
export type AuditQuery = z.infer<typeof auditQuerySchema>

/** The CSV export takes the same filters without paging: it streams every matching row. */
export const auditCsvQuerySchema = auditQuerySchema.omit({ skip: true, limit: true })
export type AuditCsvQuery = z.infer<typeof auditCsvQuerySchema>

/** Column order of the CSV export: the JSON field names, `detail` as compact JSON. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'station_id',
  'time',
  'actor_id',
  'actor_email',
  'action',
  'target_type',
  'target_id',
  'client_address',
  'detail'
] as const
