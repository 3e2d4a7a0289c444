/** Sync status: the body of `GET /api/v1/sync/status`, `POST /api/v1/sync/run` and the `sync.status` event. */
import { z } from 'zod'

export const syncStateSchema = z
  .enum(['disabled', 'idle', 'syncing', 'backoff', 'stopped'])
  .describe('disabled: no central URL configured; backoff: waiting to retry after an error')

export const syncErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  at: z.string().describe('ISO-8601 UTC')
})

export const quarantinedRowSchema = z.object({
  stream: z.string(),
  local_id: z.string(),
  error: z.string(),
  quarantined_at: z.string()
})

export const consentHeldSessionSchema = z.object({
  session_id: z.string(),
  /** Null when the session was deleted since (its hold goes at the next sync). */
  participant_code: z.string().nullable(),
  held_at: z.string()
})

export const syncStatusSchema = z
  .object({
    state: syncStateSchema,
    /** The central database URL with the password masked, or null. */
    central: z.string().nullable(),
    /** Rows not yet committed centrally, per local table (plus `sync_outbox` edits and `tombstones`). */
    pending: z.record(z.string(), z.number().int()),
    pending_total: z.number().int(),
    pending_exact: z
      .boolean()
      .describe('false when a table has more than 250,000 rows pending: its figure is then the id span (high-water mark − cursor), which overcounts rows deleted before they synced'),
    /** Rows committed centrally since this station started. */
    synced_total: z.number().int(),
    rows_per_s: z.number().describe('moving average over the last ~10 s of syncing'),
    eta_s: z.number().nullable().describe('pending_total / rows_per_s; null when idle or unknown'),
    last_success_at: z.string().nullable(),
    last_error: syncErrorSchema.nullable(),
    next_retry_at: z.string().nullable(),
    consecutive_failures: z.number().int(),
    quarantined: z.number().int().describe('rows the central database refused, kept locally in sync_quarantine'),
    recent_quarantined: z.array(quarantinedRowSchema).describe('the latest few quarantined rows'),
    consent_held: z
      .number()
      .int()
      .describe("sessions whose rows wait locally because their participant has not consented to central sync; they go once consent is recorded"),
    recent_consent_held: z.array(consentHeldSessionSchema).describe('the latest few sessions held for consent')
  })
  .meta({ id: 'SyncStatus' })

export type SyncState = z.infer<typeof syncStateSchema>
export type SyncStatus = z.infer<typeof syncStatusSchema>
export type QuarantinedRow = z.infer<typeof quarantinedRowSchema>
