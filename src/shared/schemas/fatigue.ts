/**
 * Fatigue engine output: the full ~1 Hz `FatigueMetrics` (stored as `fatigue_metrics.data_json`, printed
 * by `analyze`, carried unchanged by the stream's `fatigue.update`) and the alert resource (REST and
 * `alert.raised` / `alert.acknowledged` alike). Definitions and defaults: docs/fatigue.md. Metrics keep
 * the camelCase they are stored in; the alert resource is snake_case like every REST resource.
 */
import { z } from 'zod'
import { pageOf, paginationQuerySchema } from './common'

const nullableNumber = z.number().nullable()

/** The engine's assessment; `null` where a level is expected means no modality has usable data yet. */
export const FATIGUE_LEVELS = ['alert', 'moderate', 'severe'] as const
export const fatigueLevelSchema = z.enum(FATIGUE_LEVELS).meta({ id: 'FatigueLevel' })
export type FatigueLevel = z.infer<typeof fatigueLevelSchema>

export const ALERT_TYPES = ['eeg_fatigue', 'perclos', 'microsleep', 'lane_departure', 'slow_reaction', 'kss_high'] as const
export const alertTypeSchema = z.enum(ALERT_TYPES).meta({ id: 'AlertType' })
export type AlertType = z.infer<typeof alertTypeSchema>

/** Alert severities as stored (`info` is reserved for notices that need no action). */
export const ALERT_SEVERITIES = ['info', 'warning', 'severe'] as const
export const alertSeveritySchema = z.enum(ALERT_SEVERITIES).meta({ id: 'AlertSeverity' })
export type AlertSeverity = z.infer<typeof alertSeveritySchema>

export const bandPowersSchema = z.object({ delta: z.number(), theta: z.number(), alpha: z.number(), beta: z.number() })
export type BandPowers = z.infer<typeof bandPowersSchema>
const ratiosSchema = z.object({
  thetaAlphaOverBeta: z.number(),
  alphaOverBeta: z.number(),
  thetaAlphaOverAlphaBeta: z.number(),
  thetaOverBeta: z.number()
})

export const eegMetricsSchema = z
  .object({
    /** Channel-mean absolute band powers (µV²) over the clean segments of the analysis window. */
    absoluteUv2: bandPowersSchema.nullable(),
    /** Band ÷ total-band power. */
    relative: bandPowersSchema.nullable(),
    ratios: ratiosSchema.nullable(),
    /** z-scores of log((θ+α)/β) and log(α/β) against the subject's baseline; null until the baseline is learned. */
    zThetaAlphaOverBeta: nullableNumber,
    zAlphaOverBeta: nullableNumber,
    baselineReady: z.boolean(),
    /** Share of channel segments in the window that passed the artefact checks. */
    cleanFraction: z.number(),
    /** Rejected segments in the window, by reason. */
    rejectedAmplitude: z.number().int(),
    rejectedEmg: z.number().int(),
    channels: z.array(
      z.object({ name: z.string(), absoluteUv2: bandPowersSchema.nullable(), relative: bandPowersSchema.nullable(), cleanFraction: z.number() })
    )
  })
  .meta({ id: 'EegMetrics' })
export type EegMetrics = z.infer<typeof eegMetricsSchema>

export const faceMetricsSchema = z
  .object({
    /** Share of time with a present face that eyes were ≥ 80% (P80) / ≥ 70% (P70) closed, over 60 s. */
    perclosP80: nullableNumber,
    perclosP70: nullableNumber,
    facePresentFraction: z.number(),
    baselineReady: z.boolean(),
    blinksPerMin: nullableNumber,
    meanBlinkDurationMs: nullableNumber,
    /** Closures lasting ≥ the long-closure threshold (1 s): microsleep candidates, in the window. */
    longClosures: z.number().int(),
    maxClosureMs: z.number(),
    /** Closure still under way at the update time (0 when eyes are open). */
    currentClosureMs: z.number(),
    yawnsPerMin: nullableNumber,
    headNodsPerMin: nullableNumber
  })
  .meta({ id: 'FaceMetrics' })
export type FaceMetrics = z.infer<typeof faceMetricsSchema>

export const drivingMetricsSchema = z
  .object({
    /** Standard deviation of lateral position (m) on straights, over 60 s. */
    sdlpM: nullableNumber,
    /** SDLP minus the subject's baseline SDLP (m). */
    sdlpDeltaM: nullableNumber,
    laneDeparturesPerMin: nullableNumber,
    /** SAE J2944 reversals per minute (gap 3°, 0.6 Hz low-pass). */
    steeringReversalsPerMin: nullableNumber,
    pvt: z.object({
      /** Answered stimuli (false starts excluded) and unanswered ones, in the PVT window (10 min). */
      responses: z.number().int(),
      misses: z.number().int(),
      meanRtMs: nullableNumber,
      medianRtMs: nullableNumber,
      /** Mean response speed 1/RT in 1/s, the most sensitive PVT outcome. */
      meanSpeedPerS: nullableNumber,
      /** RT ≥ 500 ms, misses included. */
      lapses: z.number().int(),
      falseStarts: z.number().int()
    }),
    kss: z.number().int().min(1).max(9).nullable(),
    kssAgeMs: nullableNumber
  })
  .meta({ id: 'DrivingMetrics' })
export type DrivingMetrics = z.infer<typeof drivingMetricsSchema>

export const fusionComponentsSchema = z
  .object({
    eeg: nullableNumber,
    perclos: nullableNumber,
    eyeClosure: nullableNumber,
    sdlp: nullableNumber,
    laneDepartures: nullableNumber,
    reaction: nullableNumber,
    kss: nullableNumber
  })
  .meta({ id: 'FusionComponents', description: 'Each modality normalised to 0 (alert) .. 1 (drowsy); null when unavailable.' })
export type FusionComponents = z.infer<typeof fusionComponentsSchema>

export const alertStateSchema = z.enum(['none', 'warning', 'severe'])

export const fatigueMetricsSchema = z
  .object({
    /** UTC epoch ms the update describes (data up to and including this time). */
    tMs: z.number(),
    /** 0..100, null when no modality has usable data. */
    score: nullableNumber,
    level: fatigueLevelSchema.nullable(),
    components: fusionComponentsSchema,
    eeg: eegMetricsSchema.nullable(),
    face: faceMetricsSchema.nullable(),
    driving: drivingMetricsSchema.nullable(),
    /** Current state of each alert type's state machine. */
    alertStates: z.record(alertTypeSchema, alertStateSchema)
  })
  .meta({ id: 'FatigueMetrics' })
export type FatigueMetrics = z.infer<typeof fatigueMetricsSchema>

export const alertSchema = z
  .object({
    id: z.string(),
    session_id: z.string(),
    t_ms: z.number(),
    type: alertTypeSchema,
    severity: alertSeveritySchema,
    score: nullableNumber,
    message: z.string(),
    acknowledged_at: z.string().nullable(),
    acknowledged_by: z.string().nullable()
  })
  .meta({ id: 'Alert' })
export type Alert = z.infer<typeof alertSchema>

export const alertPageSchema = pageOf(alertSchema).meta({ id: 'AlertPage' })

export const alertListQuerySchema = paginationQuerySchema.extend({
  unacknowledged: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  /** Only alerts at or after this UTC epoch ms. */
  since_ms: z.coerce.number().optional()
})
