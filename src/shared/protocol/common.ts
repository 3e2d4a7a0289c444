/**
 * Building blocks of the streaming protocol (`/api/v1/ws/session/:id`, `/api/v1/ws/monitor`) shared by
 * both directions. Wire fields are camelCase with units in their names (`tMs` = UTC epoch milliseconds,
 * `samplesUv` = microvolts). Every station message carries `v: PROTOCOL_VERSION`.
 */
import { z } from 'zod'
import { driveWireEventSchema, gameEventSchema } from '../game/events'
import { ALERT_SEVERITIES, FATIGUE_LEVELS as ASSESSED_FATIGUE_LEVELS } from '../schemas/fatigue'

export const PROTOCOL_VERSION = 1

/** UTC epoch milliseconds (sub-millisecond allowed). */
/** The largest time a JavaScript Date can hold (±8.64e15 ms, about year 275 760): beyond it a time is no time. */
export const MAX_EPOCH_MS = 8.64e15

export const epochMsSchema = z.number().finite().min(0).max(MAX_EPOCH_MS)

/** A producer's own message counter: strictly increasing per connection, echoed back in `ack`. */
export const clientSeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const MAX_EEG_SAMPLES_PER_MESSAGE = 5000
export const MAX_EEG_CHANNELS = 64
export const MAX_EVENTS_PER_MESSAGE = 500

/**
 * Face features from the browser's camera tracker (never images). `frame` is one analysed video frame;
 * the others are detections and tracker status. Eye openness is relative to the subject's open-eye
 * baseline (1 = baseline open, 0 = closed), null while calibrating.
 */
export const faceEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('frame'),
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
  z.object({ kind: z.literal('blink'), tMs: epochMsSchema, durationMs: z.number().finite().min(0) }),
  z.object({ kind: z.literal('eye_closure'), tMs: epochMsSchema, durationMs: z.number().finite().min(0) }),
  z.object({ kind: z.literal('yawn'), tMs: epochMsSchema, durationMs: z.number().finite().min(0) }),
  z.object({ kind: z.literal('calibrated'), tMs: epochMsSchema, baselineEarLeft: z.number().finite(), baselineEarRight: z.number().finite() }),
  z.object({
    kind: z.literal('status'),
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
  tMs: epochMsSchema,
  event: z.discriminatedUnion('kind', [gameEventSchema, driveWireEventSchema])
})
export type GameEventEnvelope = z.infer<typeof gameEventEnvelopeSchema>

export const markerSchema = z.object({
  id: z.string(),
  tMs: epochMsSchema,
  label: z.string(),
  value: z.string().nullable(),
  createdBy: z.string().nullable()
})
export type Marker = z.infer<typeof markerSchema>

/** The engine's levels (src/shared/schemas/fatigue.ts), plus `unknown` before any modality has data. */
export const FATIGUE_LEVELS = [...ASSESSED_FATIGUE_LEVELS, 'unknown'] as const
export const fatigueLevelSchema = z.enum(FATIGUE_LEVELS)
export type FatigueLevel = z.infer<typeof fatigueLevelSchema>

const bandsSchema = z.object({ delta: z.number(), theta: z.number(), alpha: z.number(), beta: z.number() })

/** One fatigue-engine update for a session (about 1 Hz): band powers, indices, fused score. */
export const fatigueUpdateSchema = z.object({
  sessionId: z.string(),
  tMs: epochMsSchema,
  /** Fused score 0-100, null when no modality has usable data. */
  score: z.number().min(0).max(100).nullable(),
  level: fatigueLevelSchema,
  /** Per channel: absolute (µV²) and relative band powers over the analysis window. */
  bandPowers: z.array(z.object({ channel: z.string(), absoluteUv2: bandsSchema, relative: bandsSchema })),
  /** Ratio indices, features and normalised components by name (e.g. `thetaAlphaOverBeta`, `perclos`). */
  indices: z.record(z.string(), z.number().nullable()),
  /** Share of clean (artefact-free) EEG segments in the window, 0-1. */
  cleanFraction: z.number().min(0).max(1).nullable()
})
export type FatigueUpdate = z.infer<typeof fatigueUpdateSchema>

export const alertSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  tMs: epochMsSchema,
  type: z.string(),
  severity: z.enum(ALERT_SEVERITIES),
  score: z.number().nullable(),
  message: z.string()
})
export type Alert = z.infer<typeof alertSchema>

export const alertAcknowledgedSchema = z.object({
  sessionId: z.string(),
  alertId: z.string(),
  acknowledgedAt: z.string(),
  acknowledgedBy: z.string().nullable()
})
export type AlertAcknowledged = z.infer<typeof alertAcknowledgedSchema>

export const SYNC_STATES = ['disabled', 'idle', 'syncing', 'offline', 'error'] as const
export const syncStatusSchema = z.object({
  state: z.enum(SYNC_STATES),
  /** Local rows not yet confirmed by the central database. */
  pendingRows: z.number().int().min(0),
  lastSyncedAtMs: epochMsSchema.nullable(),
  detail: z.string().optional()
})
export type SyncStatus = z.infer<typeof syncStatusSchema>

export const channelQualitySchema = z.enum(['good', 'railed', 'flat', 'noisy', 'unknown'])

export const deviceStatusSchema = z.object({
  state: z.enum(['disconnected', 'connecting', 'streaming', 'reconnecting']),
  kind: z.string().nullable(),
  model: z.string().nullable(),
  channelNames: z.array(z.string()),
  sampleRateHz: z.number().nullable(),
  quality: z.array(channelQualitySchema),
  stats: z.object({
    samplesReceived: z.number().int(),
    samplesDropped: z.number().int(),
    gaps: z.number().int(),
    parseErrors: z.number().int(),
    reconnects: z.number().int()
  }),
  detail: z.string().optional()
})
export type DeviceStatusMessage = z.infer<typeof deviceStatusSchema>

/** One active session as `/ws/monitor` shows it. Rates are per second over the last few seconds. */
export const sessionSummarySchema = z.object({
  sessionId: z.string(),
  name: z.string(),
  participantCode: z.string(),
  status: z.string(),
  startedAt: z.string().nullable(),
  recordedBy: z.object({ id: z.string(), email: z.string(), fullName: z.string().nullable() }).nullable(),
  /** `headset` when the station's headset records into it, `client` when a WebSocket producer feeds EEG. */
  eegSource: z.enum(['headset', 'client', 'none']),
  /** Per-channel quality of the headset when it records this session; empty otherwise. */
  signalQuality: z.array(channelQualitySchema),
  fatigueLevel: fatigueLevelSchema,
  fatigueScore: z.number().nullable(),
  alertCount: z.number().int(),
  viewers: z.number().int(),
  producers: z.number().int(),
  rates: z.object({ eegSamplesPerS: z.number(), faceEventsPerS: z.number(), gameEventsPerS: z.number() })
})
export type SessionSummary = z.infer<typeof sessionSummarySchema>
