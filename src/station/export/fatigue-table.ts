/**
 * The fatigue engine's ~1 Hz updates as a flat table: one row per stored `fatigue_metrics` row, the
 * scalar outcomes of each modality as columns (per-channel EEG detail and alert state machines stay
 * out; alerts themselves are events). The same columns go to the CSV export (`_fatigue.csv`) and to
 * the BIDS derivative (`desc-fatigue_timeseries.tsv`), whose JSON sidecar is built from `description`.
 */
import { csvField, formatDecimal } from './csv-writer'
import type { FatigueRow } from './session-reader'
import type { SampleTimeline } from './timeline'

export interface FatigueColumn {
  name: string
  /** Dotted path into the stored FatigueMetrics object. */
  path: string
  description: string
  units?: string
}

const ratio = 'Normalised 0 (alert) .. 1 (drowsy); n/a when the modality was unavailable.'

/** Definitions of every metric: docs/fatigue.md. */
export const FATIGUE_COLUMNS: readonly FatigueColumn[] = [
  { name: 'score', path: 'score', description: 'Fused fatigue score, 0 (alert) .. 100 (drowsy); n/a when no modality had usable data.' },
  { name: 'level', path: 'level', description: 'Fatigue level from the score: alert, moderate or severe.' },
  { name: 'component_eeg', path: 'components.eeg', description: `EEG component of the score. ${ratio}` },
  { name: 'component_perclos', path: 'components.perclos', description: `PERCLOS component of the score. ${ratio}` },
  { name: 'component_eye_closure', path: 'components.eyeClosure', description: `Long eye closure component of the score. ${ratio}` },
  { name: 'component_sdlp', path: 'components.sdlp', description: `Lane-keeping (SDLP) component of the score. ${ratio}` },
  { name: 'component_lane_departures', path: 'components.laneDepartures', description: `Lane departure component of the score. ${ratio}` },
  { name: 'component_reaction', path: 'components.reaction', description: `Reaction time component of the score. ${ratio}` },
  { name: 'component_kss', path: 'components.kss', description: `Karolinska Sleepiness Scale component of the score. ${ratio}` },
  { name: 'eeg_theta_alpha_over_beta', path: 'eeg.ratios.thetaAlphaOverBeta', description: '(theta + alpha) / beta band power, channel mean over the analysis window.' },
  { name: 'eeg_alpha_over_beta', path: 'eeg.ratios.alphaOverBeta', description: 'alpha / beta band power, channel mean over the analysis window.' },
  { name: 'eeg_theta_alpha_over_alpha_beta', path: 'eeg.ratios.thetaAlphaOverAlphaBeta', description: '(theta + alpha) / (alpha + beta) band power, channel mean over the analysis window.' },
  { name: 'eeg_theta_over_beta', path: 'eeg.ratios.thetaOverBeta', description: 'theta / beta band power, channel mean over the analysis window.' },
  { name: 'eeg_z_theta_alpha_over_beta', path: 'eeg.zThetaAlphaOverBeta', description: 'z-score of log((theta + alpha) / beta) against the subject baseline; n/a until the baseline is learned.' },
  { name: 'eeg_z_alpha_over_beta', path: 'eeg.zAlphaOverBeta', description: 'z-score of log(alpha / beta) against the subject baseline; n/a until the baseline is learned.' },
  { name: 'eeg_absolute_delta_uv2', path: 'eeg.absoluteUv2.delta', description: 'Delta (1-4 Hz) band power, channel mean of the clean segments over the analysis window.', units: 'uV^2' },
  { name: 'eeg_absolute_theta_uv2', path: 'eeg.absoluteUv2.theta', description: 'Theta (4-8 Hz) band power, channel mean of the clean segments over the analysis window.', units: 'uV^2' },
  { name: 'eeg_absolute_alpha_uv2', path: 'eeg.absoluteUv2.alpha', description: 'Alpha (8-13 Hz) band power, channel mean of the clean segments over the analysis window.', units: 'uV^2' },
  { name: 'eeg_absolute_beta_uv2', path: 'eeg.absoluteUv2.beta', description: 'Beta (13-30 Hz) band power, channel mean of the clean segments over the analysis window.', units: 'uV^2' },
  { name: 'eeg_relative_delta', path: 'eeg.relative.delta', description: 'Delta power / total-band power.' },
  { name: 'eeg_relative_theta', path: 'eeg.relative.theta', description: 'Theta power / total-band power.' },
  { name: 'eeg_relative_alpha', path: 'eeg.relative.alpha', description: 'Alpha power / total-band power.' },
  { name: 'eeg_relative_beta', path: 'eeg.relative.beta', description: 'Beta power / total-band power.' },
  { name: 'eeg_clean_fraction', path: 'eeg.cleanFraction', description: 'Share of channel segments in the window that passed the artefact checks.' },
  { name: 'face_perclos_p80', path: 'face.perclosP80', description: 'Share of time with a face present that the eyes were at least 80% closed, over 60 s.' },
  { name: 'face_perclos_p70', path: 'face.perclosP70', description: 'Share of time with a face present that the eyes were at least 70% closed, over 60 s.' },
  { name: 'face_present_fraction', path: 'face.facePresentFraction', description: 'Share of the window with a face in view.' },
  { name: 'face_blinks_per_min', path: 'face.blinksPerMin', description: 'Blink rate (a blink is an eye closure shorter than 500 ms).', units: '1/min' },
  { name: 'face_mean_blink_duration_ms', path: 'face.meanBlinkDurationMs', description: 'Mean blink duration (closures shorter than 500 ms).', units: 'ms' },
  { name: 'face_long_closures', path: 'face.longClosures', description: 'Eye closures of 1 s or more in the window (microsleep candidates).' },
  { name: 'face_max_closure_ms', path: 'face.maxClosureMs', description: 'Longest eye closure in the window.', units: 'ms' },
  { name: 'face_current_closure_ms', path: 'face.currentClosureMs', description: 'Eye closure still under way at the update time (0 when the eyes are open).', units: 'ms' },
  { name: 'face_yawns_per_min', path: 'face.yawnsPerMin', description: 'Yawn rate.', units: '1/min' },
  { name: 'face_head_nods_per_min', path: 'face.headNodsPerMin', description: 'Head nod rate.', units: '1/min' },
  { name: 'driving_sdlp_m', path: 'driving.sdlpM', description: 'Standard deviation of lateral position on straights, over 60 s.', units: 'm' },
  { name: 'driving_sdlp_delta_m', path: 'driving.sdlpDeltaM', description: 'SDLP minus the subject baseline SDLP.', units: 'm' },
  { name: 'driving_lane_departures_per_min', path: 'driving.laneDeparturesPerMin', description: 'Lane departure rate.', units: '1/min' },
  { name: 'driving_steering_reversals_per_min', path: 'driving.steeringReversalsPerMin', description: 'Steering reversal rate (SAE J2944, gap 3 degrees).', units: '1/min' },
  { name: 'driving_pvt_mean_rt_ms', path: 'driving.pvt.meanRtMs', description: 'Mean reaction time to driving stimuli in the PVT window (10 min).', units: 'ms' },
  { name: 'driving_pvt_median_rt_ms', path: 'driving.pvt.medianRtMs', description: 'Median reaction time in the PVT window.', units: 'ms' },
  { name: 'driving_pvt_lapses', path: 'driving.pvt.lapses', description: 'Reaction times of 500 ms or more, misses included, in the PVT window.' },
  { name: 'driving_pvt_misses', path: 'driving.pvt.misses', description: 'Unanswered stimuli in the PVT window.' },
  { name: 'driving_kss', path: 'driving.kss', description: 'Latest Karolinska Sleepiness Scale answer (1-9).' }
]

function lookup(data: Record<string, unknown>, path: string): unknown {
  let node: unknown = data
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

function cell(value: unknown): string {
  if (typeof value === 'number') return formatDecimal(value, 6)
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return ''
}

/** The row's cells after the time columns; '' where a value is missing. `score`/`level` come from their own SQL columns. */
export function fatigueCells(row: FatigueRow): string[] {
  return FATIGUE_COLUMNS.map((c) => (c.path === 'score' ? cell(row.score) : c.path === 'level' ? cell(row.level) : cell(lookup(row.data, c.path))))
}

const encoder = new TextEncoder()
const ROWS_PER_CHUNK = 500

/**
 * Fatigue rows as delimited text: `time` (seconds on the export's time axis, the name differs between
 * CSV and BIDS), `timestamp_ms`, then FATIGUE_COLUMNS.
 */
function* writeFatigueTable(rows: Iterable<FatigueRow>, timeline: SampleTimeline, timeColumn: string, line: (cells: string[]) => string): Generator<Uint8Array> {
  let text = line([timeColumn, 'timestamp_ms', ...FATIGUE_COLUMNS.map((c) => c.name)])
  let count = 0
  for (const row of rows) {
    text += line([formatDecimal(timeline.fileTimeOf(row.timestampMs), 6), formatDecimal(row.timestampMs, 3), ...fatigueCells(row)])
    if (++count % ROWS_PER_CHUNK === 0) {
      yield encoder.encode(text)
      text = ''
    }
  }
  if (text.length > 0) yield encoder.encode(text)
}

export function writeFatigueCsv(rows: Iterable<FatigueRow>, timeline: SampleTimeline): Generator<Uint8Array> {
  return writeFatigueTable(rows, timeline, 'time_s', (cells) => `${cells.map(csvField).join(',')}\n`)
}

export function writeFatigueTsv(rows: Iterable<FatigueRow>, timeline: SampleTimeline): Generator<Uint8Array> {
  return writeFatigueTable(rows, timeline, 'onset', (cells) => `${cells.map((c) => (c === '' ? 'n/a' : c.replace(/[\t\r\n]+/g, ' '))).join('\t')}\n`)
}

/** The BIDS sidecar of the TSV: every column described, units where they have one. */
export function fatigueTsvSidecar(): Record<string, unknown> {
  const columns: Record<string, unknown> = {
    onset: { Description: 'Time of the update in seconds from the first EEG sample (the time axis of the EEG file and events.tsv).', Units: 's' },
    timestamp_ms: { Description: 'Time of the update as UTC epoch milliseconds; each update describes the data up to this time.', Units: 'ms' }
  }
  for (const c of FATIGUE_COLUMNS) columns[c.name] = c.units ? { Description: c.description, Units: c.units } : { Description: c.description }
  return {
    Description: 'Fatigue estimates computed live by the Vigil station about once per second from EEG, face tracking and driving performance.',
    ...columns
  }
}
