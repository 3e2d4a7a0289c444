/**
 * Electrode impedance checks in exports: one annotation per check and per override (EDF/BDF, BIDS
 * events.tsv, CSV events), an `impedance` column in BIDS electrodes.tsv and a CSV of every value.
 * Pure functions over the session's stored checks (`ImpedanceStore.listForSession`), no I/O.
 *
 * Which check goes into electrodes.tsv: the latest one finished at or before the first EEG sample,
 * i.e. the state of the electrodes when the recording started. A session first checked during a
 * pause has none before its start: then the earliest check after it, and the sidecar says so. The
 * annotations and the CSV carry every check, so nothing measured is lost to that choice.
 */
import { formatDecimal, csvField } from './csv-writer'
import type { SessionEvent } from './session-event'
import type { SampleTimeline } from './timeline'

export interface ExportImpedanceElectrode {
  channel: number
  label: string
  pin: 'n' | 'p'
  impedanceKohm: number
  rating: string
}

export interface ExportImpedanceCheck {
  id: number
  /** UTC epoch ms when the check finished (shifted with every other time when de-identified). */
  tMs: number
  method: string
  passed: boolean
  thresholds: { goodBelowKohm: number; acceptableBelowKohm: number }
  electrodes: ExportImpedanceElectrode[]
  /** Someone recorded anyway although this check failed (an `impedance_override` row). */
  overrides: { tMs: number; badElectrodes: string[] }[]
}

/** EDF+ annotation texts are cut at 200 bytes (edf-writer.ts): beyond that the check is written in its short form. */
const LONG_FORM_MAX_BYTES = 190

export const IMPEDANCE_CHECK_TRIAL_TYPE = 'impedance_check'
export const IMPEDANCE_OVERRIDE_TRIAL_TYPE = 'impedance_override'

function kohm(value: number): string {
  return formatDecimal(value, 1)
}

/** `Fp1`, or `Fp1/P` for the P pin of a both-pins check (the N pin is the usual referential input). */
function electrodeName(e: ExportImpedanceElectrode, check: ExportImpedanceCheck): string {
  const hasBothPins = check.electrodes.some((o) => o !== e && o.channel === e.channel && o.pin !== e.pin)
  return hasBothPins ? `${e.label}/${e.pin.toUpperCase()}` : e.label
}

/** `impedance check: Fp1 4.2 kΩ, Fp2 5.1 kΩ, … (failed: C4 bad)`; the unit once when that is too long for EDF. */
export function impedanceCheckText(check: ExportImpedanceCheck): string {
  const bad = check.electrodes.filter((e) => e.rating === 'bad').map((e) => electrodeName(e, check))
  const verdict = check.passed ? '(passed)' : `(failed: ${bad.join(', ')} bad)`
  const long = `impedance check: ${check.electrodes.map((e) => `${electrodeName(e, check)} ${kohm(e.impedanceKohm)} kΩ`).join(', ')} ${verdict}`
  if (new TextEncoder().encode(long).length <= LONG_FORM_MAX_BYTES) return long
  return `impedance check (kΩ): ${check.electrodes.map((e) => `${electrodeName(e, check)} ${kohm(e.impedanceKohm)}`).join(', ')} ${verdict}`
}

/** One event per check and one per override; placed at the file's start when they happened before it (placeEvents). */
export function impedanceEvents(checks: ExportImpedanceCheck[]): SessionEvent[] {
  const out: SessionEvent[] = []
  for (const check of checks) {
    out.push({
      source: 'impedance',
      timestampMs: check.tMs,
      durationMs: 0,
      trialType: IMPEDANCE_CHECK_TRIAL_TYPE,
      value: check.passed ? 'passed' : 'failed',
      text: impedanceCheckText(check),
      isKeptAtStart: true
    })
    for (const override of check.overrides) {
      out.push({
        source: 'impedance',
        timestampMs: override.tMs,
        durationMs: 0,
        trialType: IMPEDANCE_OVERRIDE_TRIAL_TYPE,
        value: override.badElectrodes.join(' '),
        text: `impedance override: recorded despite ${override.badElectrodes.join(', ')} bad`,
        isKeptAtStart: true
      })
    }
  }
  return out
}

export interface ElectrodeImpedanceColumn {
  /** kΩ per channel index, null where the check did not measure the channel. */
  kohmByChannel: (number | null)[]
  check: ExportImpedanceCheck
  /** Seconds of the check's end relative to the first sample (negative: before the recording). */
  offsetS: number
}

/** The check for electrodes.tsv (see the header) as values per channel, or null without checks. */
export function electrodeImpedanceColumn(checks: ExportImpedanceCheck[], firstTimestampMs: number, channelCount: number): ElectrodeImpedanceColumn | null {
  const sorted = [...checks].sort((a, b) => a.tMs - b.tMs || a.id - b.id)
  const before = sorted.filter((c) => c.tMs <= firstTimestampMs)
  const check = before.at(-1) ?? sorted[0]
  if (!check) return null
  const kohmByChannel: (number | null)[] = Array.from({ length: channelCount }, () => null)
  // The N pin is the electrode of a referential (SRB2) montage; a P-only check still counts.
  for (const pin of ['p', 'n'] as const) {
    for (const e of check.electrodes) if (e.pin === pin && e.channel >= 0 && e.channel < channelCount) kohmByChannel[e.channel] = e.impedanceKohm
  }
  return { kohmByChannel, check, offsetS: (check.tMs - firstTimestampMs) / 1000 }
}

/** Describes the electrodes.tsv impedance column's source check in words (electrodes.json). */
export function electrodeImpedanceDescription(column: ElectrodeImpedanceColumn): string {
  const when = column.offsetS <= 0 ? `${formatDecimal(-column.offsetS, 1)} s before the first EEG sample` : `${formatDecimal(column.offsetS, 1)} s after the first EEG sample (no check before the recording started)`
  const method = column.check.method === 'lead-off' ? "the amplifier's lead-off current (6 nA at 31.25 Hz, ±20 % source tolerance)" : 'the simulated headset'
  return `Electrode impedance from the check ${when}, measured with ${method}; n/a where the channel was not measured. Every check is an impedance_check event.`
}

/**
 * The CSV export's `impedance.csv`: one row per electrode and check, the check's time on the samples'
 * time axis (onset_s, negative before the first sample) and as recorded (timestamp_ms).
 */
export function* writeImpedanceCsv(checks: ExportImpedanceCheck[], timeline: SampleTimeline): Generator<Uint8Array> {
  const lines = ['check_id,onset_s,timestamp_ms,method,channel,label,pin,impedance_kohm,rating,good_below_kohm,acceptable_below_kohm,check_passed,overridden']
  for (const check of checks) {
    const onset = formatDecimal(timeline.fileTimeOf(check.tMs), 6)
    for (const e of check.electrodes) {
      lines.push(
        [
          String(check.id),
          onset,
          formatDecimal(check.tMs, 3),
          check.method,
          String(e.channel),
          e.label,
          e.pin,
          formatDecimal(e.impedanceKohm, 3),
          e.rating,
          String(check.thresholds.goodBelowKohm),
          String(check.thresholds.acceptableBelowKohm),
          String(check.passed),
          String(check.overrides.length > 0)
        ]
          .map(csvField)
          .join(',')
      )
    }
  }
  yield new TextEncoder().encode(`${lines.join('\n')}\n`)
}
