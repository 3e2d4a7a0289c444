/**
 * What the live view needs to fill itself on open or reload: the last window of stored EEG, the
 * session's fatigue curve and its newest metrics (the tiles). REST only (GET
 * /sessions/:id/live-history); the stream then carries on from there. Bounded by design: the EEG is
 * one window, the curve at most `LIVE_HISTORY_MAX_FATIGUE_POINTS` points, whatever the session's length.
 */
import { z } from 'zod'
import { fatigueLevelSchema, fatigueMetricsSchema } from './fatigue'

/** The live view's trace window; also the longest EEG window the endpoint returns. */
export const LIVE_HISTORY_MAX_EEG_WINDOW_S = 30
/** Two hours of ~1 Hz fatigue updates, as many as the live view's chart holds. */
export const LIVE_HISTORY_MAX_FATIGUE_POINTS = 7200

export const liveHistoryQuerySchema = z.object({
  eeg_window_s: z.coerce.number().positive().max(LIVE_HISTORY_MAX_EEG_WINDOW_S).default(10)
})

export const liveHistoryEegSchema = z
  .object({
    channel_names: z.array(z.string()),
    sample_rate_hz: z.number().positive(),
    /** Sequence of the first sample; later samples follow without holes unless `seqs` says otherwise. */
    first_seq: z.number().int(),
    /** Sequence after the last sample returned: where the live stream carries on. */
    next_seq: z.number().int(),
    /** Station clock (epoch ms) of the first and last sample returned. */
    first_t_ms: z.number(),
    last_t_ms: z.number(),
    /** One row per sample, one value per channel, µV. */
    samples_uv: z.array(z.array(z.number()))
  })
  .meta({ id: 'LiveHistoryEeg' })

export const liveHistoryFatiguePointSchema = z.object({ t_ms: z.number(), score: z.number().nullable(), level: fatigueLevelSchema.nullable() })

export const liveHistorySchema = z
  .object({
    session_id: z.string(),
    /** Null when the session has no stored EEG (not recorded yet) or no known channel layout. */
    eeg: liveHistoryEegSchema.nullable(),
    /** Oldest first; the newest `LIVE_HISTORY_MAX_FATIGUE_POINTS` of the session. */
    fatigue: z.array(liveHistoryFatiguePointSchema),
    /** True when older fatigue points exist than the ones returned. */
    fatigue_truncated: z.boolean(),
    /** The newest stored update, as `fatigue.update` carries it: the tiles and band powers. */
    latest_metrics: fatigueMetricsSchema.nullable()
  })
  .meta({ id: 'LiveHistory' })

export type LiveHistory = z.infer<typeof liveHistorySchema>
export type LiveHistoryQuery = z.infer<typeof liveHistoryQuerySchema>
