/** Recording sessions and markers, on the wire (snake_case, like the original's SessionCreate/Update/Response). */
import { z } from 'zod'
import { pageOf, paginationQuerySchema } from './common'
import { participantCodeSchema } from './participants'

export const SESSION_STATUSES = ['planned', 'recording', 'paused', 'completed', 'aborted'] as const
export const sessionStatusSchema = z.enum(SESSION_STATUSES).meta({ id: 'SessionStatus' })
export type SessionStatus = z.infer<typeof sessionStatusSchema>

/**
 * What a user may do to one session (src/station/sessions/permissions.ts decides, the same way for REST
 * and the WebSocket). Sent as `allowed_actions` on every session so a client shows only what works.
 */
export const SESSION_ACTIONS = ['read', 'export', 'acknowledge_alert', 'edit', 'change_status', 'add_marker', 'send_data', 'delete'] as const
export const sessionActionSchema = z.enum(SESSION_ACTIONS).meta({ id: 'SessionAction' })
export type SessionAction = z.infer<typeof sessionActionSchema>

export const scenarioRefSchema = z
  .object({ id: z.string().min(1).max(100), seed: z.number().int() })
  .meta({ id: 'ScenarioRef', description: 'Driving scenario id and the seed that makes the run reproducible.' })

export const sessionDeviceSchema = z
  .object({
    kind: z.string().min(1).max(40),
    port: z.string().max(300).nullable().default(null),
    channel_names: z.array(z.string().min(1).max(40)).max(64),
    sample_rate_hz: z.number().positive().max(100_000)
  })
  .meta({ id: 'SessionDevice' })

export const sessionCountersSchema = z
  .object({
    samples: z.number().int(),
    face_events: z.number().int(),
    game_events: z.number().int(),
    alerts: z.number().int()
  })
  .meta({ id: 'SessionCounters' })


export const sessionCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    participant_code: participantCodeSchema,
    notes: z.string().max(10_000).default(''),
    scenario: scenarioRefSchema.nullable().default(null),
    device: sessionDeviceSchema.nullable().default(null)
  })
  .meta({ id: 'SessionCreate' })
export type SessionCreate = z.infer<typeof sessionCreateSchema>

/**
 * Metadata edits and lifecycle changes. `status` moves: planned→recording (start), recording→paused
 * (pause), paused→recording (resume), recording|paused→completed (stop), planned|recording|paused→aborted.
 */
export const sessionUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    participant_code: participantCodeSchema.optional(),
    notes: z.string().max(10_000).optional(),
    scenario: scenarioRefSchema.nullable().optional(),
    device: sessionDeviceSchema.nullable().optional(),
    status: sessionStatusSchema.optional()
  })
  .meta({ id: 'SessionUpdate' })
export type SessionUpdate = z.infer<typeof sessionUpdateSchema>

export const markerCreateSchema = z
  .strictObject({
    label: z.string().trim().min(1).max(200),
    /** UTC epoch ms; defaults to the station's clock when the request arrives. */
    t_ms: z.number().finite().positive().optional(),
    value: z.string().max(1000).nullable().default(null)
  })
  .meta({ id: 'MarkerCreate' })
export type MarkerCreate = z.infer<typeof markerCreateSchema>

export const markerSchema = z
  .object({
    id: z.string(),
    session_id: z.string(),
    t_ms: z.number(),
    label: z.string(),
    value: z.string().nullable(),
    created_by: z.string().nullable()
  })
  .meta({ id: 'Marker' })
export type MarkerResponse = z.infer<typeof markerSchema>

export const pauseReasonSchema = z
  .object({
    /** `station_restart`: the session was recording when the station stopped (crash, power loss, restart). */
    code: z.enum(['station_restart']),
    /** When the station paused it (ISO-8601). */
    at: z.string(),
    /** The newest EEG sample stored before that (ISO-8601), null when none: the data between is missing. */
    last_sample_at: z.string().nullable()
  })
  .meta({ id: 'PauseReason', description: 'Why the station paused a session by itself; null when an operator paused it.' })
export type PauseReason = z.infer<typeof pauseReasonSchema>

export const sessionSchema = z
  .object({
    id: z.string(),
    station_id: z.string(),
    name: z.string(),
    participant_code: z.string(),
    notes: z.string(),
    scenario: scenarioRefSchema.nullable(),
    device: sessionDeviceSchema.nullable(),
    status: sessionStatusSchema,
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.number().int(),
    counters: sessionCountersSchema,
    /** What the requesting user may do to this session now, whatever its status (a stopped session still refuses lifecycle changes with 409). */
    allowed_actions: z.array(sessionActionSchema),
    /** Set while the session is paused because the station paused it, not an operator. */
    pause_reason: pauseReasonSchema.nullable()
  })
  .meta({ id: 'Session' })
export type SessionResponse = z.infer<typeof sessionSchema>

export const headsetOutageSchema = z
  .object({
    from: z.string(),
    /** Null while the headset is still away. */
    to: z.string().nullable(),
    /** Length so far when still open. */
    seconds: z.number()
  })
  .meta({ id: 'HeadsetOutage', description: 'A span of the session without its headset (disconnected or reconnecting): no EEG there.' })

export const sessionDetailSchema = sessionSchema
  .extend({ markers: z.array(markerSchema), headset_outages: z.array(headsetOutageSchema) })
  .meta({ id: 'SessionDetail' })
export type SessionDetailResponse = z.infer<typeof sessionDetailSchema>

export const sessionListQuerySchema = paginationQuerySchema.extend({
  status: sessionStatusSchema.optional(),
  participant_code: z.string().max(64).optional(),
  created_by: z.string().max(64).optional(),
  /** ISO-8601: sessions created at or after / before this instant. */
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional()
})
export type SessionListQuery = z.infer<typeof sessionListQuerySchema>

export const sessionPageSchema = pageOf(sessionSchema).meta({ id: 'SessionPage' })

export const sessionIdParamsSchema = z.object({ id: z.string().min(1).max(64) })
