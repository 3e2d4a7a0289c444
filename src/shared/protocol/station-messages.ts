/**
 * Station → client messages. Every message has `v` (protocol version) and `type`; a resource REST also
 * serves rides in its REST shape under one key (`metrics`, `alert`, `marker`, `status`). Live data
 * (`eeg.samples`, `face.events`, `game.events`, `fatigue.update`, `device.status`, `monitor.snapshot`)
 * may be dropped or coalesced for a client that reads too slowly, which is then told so by `lagging`;
 * everything else is delivered in order or the connection is closed.
 */
import { z } from 'zod'
import { epochMsSchema } from '../schemas/common'
import { deviceStatusSchema } from '../schemas/devices'
import { alertSchema, fatigueMetricsSchema } from '../schemas/fatigue'
import { markerSchema, sessionStatusSchema } from '../schemas/sessions'
import { syncStatusSchema } from '../schemas/sync'
import { roleSchema } from '../schemas/users'
import { clientSeqSchema, faceEventSchema, gameEventEnvelopeSchema, PROTOCOL_VERSION, sessionSummarySchema } from './common'

const base = { v: z.literal(PROTOCOL_VERSION) }

/** First message on every connection: who you are, what you may do, and the limits that apply. */
export const helloMessageSchema = z.object({
  ...base,
  type: z.literal('hello'),
  connectionId: z.string(),
  channel: z.enum(['session', 'monitor']),
  sessionId: z.string().nullable(),
  sessionStatus: sessionStatusSchema.nullable(),
  user: z.object({ id: z.string(), email: z.string(), role: roleSchema }),
  /** Whether this user may send data messages on this session. */
  canWrite: z.boolean(),
  tokenExpiresAtMs: epochMsSchema,
  heartbeatIntervalMs: z.number().int(),
  limits: z.object({
    maxPayloadBytes: z.number().int(),
    maxMessagesPerS: z.number(),
    burstMessages: z.number().int(),
    /** Beyond this byte rate (after `burstBytes`) the station reads the connection more slowly; nothing is dropped. */
    maxBytesPerS: z.number().int(),
    burstBytes: z.number().int(),
    /** Connections that may send data to one session at once. */
    maxProducersPerSession: z.number().int()
  }),
  serverTimeMs: epochMsSchema
})

export const eegSamplesMessageSchema = z.object({
  ...base,
  type: z.literal('eeg.samples'),
  sessionId: z.string(),
  firstSampleSeq: z.number().int(),
  channelCount: z.number().int(),
  tMs: z.array(z.number()),
  /** Rounded to 0.01 µV for the wire; storage keeps the float32 values. */
  samplesUv: z.array(z.array(z.number())),
  /** When the station accepted the batch (for latency displays). */
  receivedAtMs: epochMsSchema
})

export const faceEventsMessageSchema = z.object({ ...base, type: z.literal('face.events'), sessionId: z.string(), events: z.array(faceEventSchema) })
export const gameEventsMessageSchema = z.object({ ...base, type: z.literal('game.events'), sessionId: z.string(), events: z.array(gameEventEnvelopeSchema) })
export const markerAddedMessageSchema = z.object({ ...base, type: z.literal('marker.added'), sessionId: z.string(), marker: markerSchema })
/** About 1 Hz per session: the engine's metrics exactly as stored (`fatigue_metrics.data_json`) and printed by `vigil analyze`. */
export const fatigueUpdateMessageSchema = z.object({ ...base, type: z.literal('fatigue.update'), sessionId: z.string(), metrics: fatigueMetricsSchema })
export const alertRaisedMessageSchema = z.object({ ...base, type: z.literal('alert.raised'), alert: alertSchema })
/** The alert as stored after its (first) acknowledgement. */
export const alertAcknowledgedMessageSchema = z.object({ ...base, type: z.literal('alert.acknowledged'), alert: alertSchema })
/** The body of `GET /api/v1/devices/status`. */
export const deviceStatusMessageSchema = z.object({ ...base, type: z.literal('device.status'), status: deviceStatusSchema })
/** A session started, paused, stopped or changed; `status: null` means it was deleted. */
export const sessionStatusMessageSchema = z.object({ ...base, type: z.literal('session.status'), sessionId: z.string(), status: sessionStatusSchema.nullable() })
/** The body of `GET /api/v1/sync/status`. */
export const syncStatusMessageSchema = z.object({ ...base, type: z.literal('sync.status'), status: syncStatusSchema })

/** Every data message with `seq` ≤ this one that the station accepted is committed to SQLite. */
export const ackMessageSchema = z.object({ ...base, type: z.literal('ack'), seq: clientSeqSchema })

/** Live frames were dropped because this client read too slowly; sent once it catches up. */
export const laggingMessageSchema = z.object({
  ...base,
  type: z.literal('lagging'),
  droppedFrames: z.number().int(),
  /** Dropped since the connection opened. */
  totalDroppedFrames: z.number().int()
})

export const errorMessageSchema = z.object({
  ...base,
  type: z.literal('error'),
  /** One of Vigil's error codes (`VALIDATION_FAILED`, `RATE_LIMITED`, `AUTH_FORBIDDEN`, ...). */
  code: z.string(),
  message: z.string(),
  /** The offending message's `type` and `seq`, when they could be read. */
  inReplyTo: z.object({ type: z.string().nullable(), seq: z.number().nullable() }).optional(),
  issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional()
})

export const pongMessageSchema = z.object({ ...base, type: z.literal('pong'), id: z.union([z.string(), z.number()]).nullable(), serverTimeMs: epochMsSchema })
export const authRefreshedMessageSchema = z.object({ ...base, type: z.literal('auth.refreshed'), tokenExpiresAtMs: epochMsSchema })
/** About a minute before the token expires: send `auth.refresh` or the station closes with 4001. */
export const authExpiringMessageSchema = z.object({ ...base, type: z.literal('auth.expiring'), tokenExpiresAtMs: epochMsSchema })

/** `/ws/monitor`, 1-2 Hz: every active session this user may see. */
export const monitorSnapshotMessageSchema = z.object({ ...base, type: z.literal('monitor.snapshot'), tMs: epochMsSchema, sessions: z.array(sessionSummarySchema) })

export const stationMessageSchema = z.discriminatedUnion('type', [
  helloMessageSchema,
  eegSamplesMessageSchema,
  faceEventsMessageSchema,
  gameEventsMessageSchema,
  markerAddedMessageSchema,
  fatigueUpdateMessageSchema,
  alertRaisedMessageSchema,
  alertAcknowledgedMessageSchema,
  deviceStatusMessageSchema,
  sessionStatusMessageSchema,
  syncStatusMessageSchema,
  ackMessageSchema,
  laggingMessageSchema,
  errorMessageSchema,
  pongMessageSchema,
  authRefreshedMessageSchema,
  authExpiringMessageSchema,
  monitorSnapshotMessageSchema
])
export type StationMessage = z.infer<typeof stationMessageSchema>
export type StationMessageType = StationMessage['type']
export type StationMessageOf<T extends StationMessageType> = Extract<StationMessage, { type: T }>
