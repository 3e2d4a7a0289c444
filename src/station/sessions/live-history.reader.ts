/**
 * Reads what a live view needs on open (src/shared/schemas/live-history.ts): the last EEG window
 * through the samples repository, the fatigue curve and the newest metrics from `fatigue_metrics`.
 * Every read is bounded (one window of rows, a capped number of points), so a two-hour session costs
 * what a two-minute one does.
 */
import { LIVE_HISTORY_MAX_FATIGUE_POINTS, type LiveHistory } from '../../shared/schemas/live-history'
import { fatigueMetricsSchema } from '../../shared/schemas/fatigue'
import type { FatigueRepository } from '../fatigue/fatigue.repository'
import type { LocalDatabase } from '../storage/database'
import { createEegSamplesRepository } from '../storage/eeg-samples.repository'

export interface LiveHistoryReader {
  read(sessionId: string, eegWindowS: number): LiveHistory
}

/**
 * The newest stored update, or null when it does not parse as today's `FatigueMetrics` (a row from an
 * older build): the history then lacks the tiles rather than failing the whole answer.
 */
function latestMetrics(json: string | undefined) {
  if (!json) return null
  try {
    const parsed = fatigueMetricsSchema.safeParse(JSON.parse(json))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

export function createLiveHistoryReader(db: LocalDatabase, fatigue: Pick<FatigueRepository, 'sessionDevice'>): LiveHistoryReader {
  const eegSamples = createEegSamplesRepository(db)
  // Newest first with a limit, reversed below: the index on (session_id, t_ms) bounds the scan.
  const curve = db.prepare('SELECT t_ms, score, level FROM fatigue_metrics WHERE session_id = ? ORDER BY t_ms DESC, id DESC LIMIT ?')
  const newest = db.prepare('SELECT data_json FROM fatigue_metrics WHERE session_id = ? ORDER BY t_ms DESC, id DESC LIMIT 1').pluck()

  function readEeg(sessionId: string, eegWindowS: number): LiveHistory['eeg'] {
    const device = fatigue.sessionDevice(sessionId)
    const lastSeq = eegSamples.lastSeq(sessionId)
    if (!device || lastSeq === null) return null
    const windowSamples = Math.ceil(device.sampleRateHz * eegWindowS)
    const page = eegSamples.page(sessionId, lastSeq - windowSamples, lastSeq, windowSamples, device.channelNames.length)
    if (!page) return null
    const channels = device.channelNames.length
    const n = page.seqs.length
    const samples = Array.from({ length: n }, (_, i) => Array.from(page.valuesUv.subarray(i * channels, (i + 1) * channels)))
    return {
      channel_names: device.channelNames,
      sample_rate_hz: device.sampleRateHz,
      first_seq: page.seqs[0],
      next_seq: page.seqs[n - 1] + 1,
      first_t_ms: page.timestampsMs[0],
      last_t_ms: page.timestampsMs[n - 1],
      samples_uv: samples
    }
  }

  return {
    read(sessionId, eegWindowS) {
      const rows = curve.all(sessionId, LIVE_HISTORY_MAX_FATIGUE_POINTS + 1) as LiveHistory['fatigue']
      const truncated = rows.length > LIVE_HISTORY_MAX_FATIGUE_POINTS
      const points = rows.slice(0, LIVE_HISTORY_MAX_FATIGUE_POINTS).toReversed()
      const json = newest.get(sessionId) as string | undefined
      return {
        session_id: sessionId,
        eeg: readEeg(sessionId, eegWindowS),
        fatigue: points,
        fatigue_truncated: truncated,
        latest_metrics: latestMetrics(json)
      }
    }
  }
}
