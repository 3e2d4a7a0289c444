/**
 * Building blocks of the streaming protocol (`/api/v1/ws/session/:id`, `/api/v1/ws/monitor`) that exist
 * only on the stream. Envelope and stream-only fields are camelCase with units in their names (`tMs` =
 * UTC epoch milliseconds, `samplesUv` = microvolts); a resource that REST also serves (alert, fatigue
 * metrics, marker, device and sync status) travels in its src/shared/schemas shape, nested unchanged.
 * Every station message carries `v: PROTOCOL_VERSION`.
 */
import { z } from 'zod'
import { driveWireEventSchema, gameEventSchema } from '../game/events'
import { epochMsSchema } from '../schemas/common'
import { channelQualitySchema } from '../schemas/devices'
import { fatigueLevelSchema } from '../schemas/fatigue'
import { sessionStatusSchema } from '../schemas/sessions'

/** 2: resources travel in their REST shape (`fatigue.update` carries `FatigueMetrics`, and so on). */
export const PROTOCOL_VERSION = 2
/** Client → station messages did not change shape in 2, so a producer still sending `v: 1` is understood. */
export const ACCEPTED_CLIENT_VERSIONS = [1, PROTOCOL_VERSION] as const

/** A producer's own message counter: strictly increasing per connection, echoed back in `ack`. */
export const clientSeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const MAX_EEG_SAMPLES_PER_MESSAGE = 5000
export const MAX_EEG_CHANNELS = 64
export const MAX_EVENTS_PER_MESSAGE = 500

/**
 * A producer's own identity for one face or game event, unique within the session and stream (face or
 * game): a re-sent event with an id already stored is recognised and stored once; two events with
 * different ids are both stored, whatever their time and kind. A UUID, or a producer id plus the
 * producer's own event counter (`<uuid>:<n>`), as the renderer's producers send. Optional: events
 * without one are identified by their content (docs/streaming-protocol.md, "Delivery guarantees").
 */
export const eventIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
const eventId = { id: eventIdSchema.optional() }

/**
 * Face features from the browser's camera tracker (never images). `frame` is one analysed video frame;
 * the others are detections and tracker status. Eye openness is relative to the subject's open-eye
 * baseline (1 = baseline open, 0 = closed), null while calibrating.
 */
export const faceEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('frame'),
    ...eventId,
    tMs: epochMsSchema,
    facePresent: z.boolean(),
    eyeOpennessLeft: z.number().finite().nullable(),
    eyeOpennessRight: z.number().finite().nullable(),
    earLeft: z.number().finite().optional(),
    earRight: z.number().finite().optional(),
    mar: z.number().finite().optional(),
    pitchDeg: z.number().finite().optional(),
    yawDeg: z.number().finite().optional(),
    rollDeg: z.number().finite().optional(),
    calibrated: z.boolean().optional()
  }),
  z.object({ kind: z.literal('blink'), ...eventId, tMs: epochMsSchema, durationMs: z.number().finite().min(0) }),
  z.object({ kind: z.literal('eye_closure'), ...eventId, tMs: epochMsSchema, durationMs: z.number().finite().min(0) }),
  z.object({ kind: z.literal('yawn'), ...eventId, tMs: epochMsSchema, durationMs: z.number().finite().min(0) }),
  /** Open-eye EAR per eye; with the eyes-closed step also the closed-eye EAR (the fatigue engine maps closure between the two). */
  z.object({
    kind: z.literal('calibrated'),
    ...eventId,
    tMs: epochMsSchema,
    baselineEarLeft: z.number().finite(),
    baselineEarRight: z.number().finite(),
    closedEarLeft: z.number().finite().min(0).optional(),
    closedEarRight: z.number().finite().min(0).optional()
  }),
  z.object({
    kind: z.literal('status'),
    ...eventId,
    tMs: epochMsSchema,
    status: z.enum(['tracking', 'no_camera', 'permission_denied', 'no_face', 'poor_lighting', 'stopped']),
    detail: z.string().max(500).optional(),
    /** Frames analysed per second over the last few seconds. */
    achievedHz: z.number().finite().min(0).optional()
  })
])
export type FaceEvent = z.infer<typeof faceEventSchema>

/**
 * Driving-game events. The game's own clock is scenario time; the wire event adds the wall-clock
 * `tMs` and carries the game's event unchanged in `event`: a simulation event or a drive-control
 * event (operator command, screen ready, input-log chunk), both defined by the game.
 */
export const gameEventEnvelopeSchema = z.object({
  ...eventId,
  tMs: epochMsSchema,
  event: z.discriminatedUnion('kind', [gameEventSchema, driveWireEventSchema])
})
export type GameEventEnvelope = z.infer<typeof gameEventEnvelopeSchema>

/** One active session as `/ws/monitor` shows it. Rates are per second over the last few seconds. */
export const sessionSummarySchema = z.object({
  sessionId: z.string(),
  name: z.string(),
  participantCode: z.string(),
  status: sessionStatusSchema,
  startedAt: z.string().nullable(),
  recordedBy: z.object({ id: z.string(), email: z.string(), fullName: z.string().nullable() }).nullable(),
  /** `headset` when the station's headset records into it, `client` when a WebSocket producer feeds EEG. */
  eegSource: z.enum(['headset', 'client', 'none']),
  /** Per-channel quality of the headset when it records this session; empty otherwise. */
  signalQuality: z.array(channelQualitySchema),
  /** Null until the fatigue engine has assessed the session. */
  fatigueLevel: fatigueLevelSchema.nullable(),
  fatigueScore: z.number().nullable(),
  alertCount: z.number().int(),
  viewers: z.number().int(),
  producers: z.number().int(),
  rates: z.object({ eegSamplesPerS: z.number(), faceEventsPerS: z.number(), gameEventsPerS: z.number() })
})
export type SessionSummary = z.infer<typeof sessionSummarySchema>
