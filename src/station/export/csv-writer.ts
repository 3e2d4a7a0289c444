/**
 * CSV export: one wide file of samples and one file of events (RFC 4180 quoting: a field is quoted
 * only when it holds a comma, quote or line break; lines end with "\n").
 *
 * samples: time_s (seconds from the first sample, on the sample grid: gaps show as jumps),
 * timestamp_ms (UTC epoch ms as recorded), seq, then one column per channel in µV.
 * events: onset_s on the same axis as time_s, duration_s, timestamp_ms, source, trial_type, value, text.
 */
import type { SampleBatch, SampleTimeline } from './timeline'

export interface PlacedEvent {
  onsetS: number
  durationS: number
  timestampMs: number
  source: string
  trialType: string
  value: string | null
  text: string
  /** A PVT response's reaction time in seconds (BIDS `response_time`). */
  responseTimeS?: number
}

const encoder = new TextEncoder()
const TARGET_CHUNK_CHARS = 64 * 1024

export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** Fixed decimals without trailing zeros: short rows, exact enough (Float32 µV holds ~7 digits). */
export function formatDecimal(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return ''
  const text = value.toFixed(decimals)
  if (!text.includes('.')) return text
  let end = text.length
  while (text.charCodeAt(end - 1) === 48) end--
  if (text.charCodeAt(end - 1) === 46) end--
  const trimmed = text.slice(0, end)
  return trimmed === '-0' ? '0' : trimmed
}

export function* writeSamplesCsv(channelNames: string[], timeline: SampleTimeline, samples: Iterable<SampleBatch>): Generator<Uint8Array> {
  const channelCount = channelNames.length
  const rate = timeline.sampleRateHz
  let text = `${['time_s', 'timestamp_ms', 'seq', ...channelNames].map(csvField).join(',')}\n`
  let runIndex = 0
  for (const batch of samples) {
    const n = batch.seqs.length
    for (let i = 0; i < n; i++) {
      const seq = batch.seqs[i]
      if (timeline.lastSeq !== null && seq > timeline.lastSeq) break
      while (runIndex < timeline.runs.length - 1 && seq > timeline.runs[runIndex].lastSeq) runIndex++
      const run = timeline.runs[runIndex]
      const slot = run.firstSlot + (seq - run.firstSeq)
      let row = `${formatDecimal(slot / rate, 6)},${formatDecimal(batch.timestampsMs[i], 3)},${seq}`
      const base = i * channelCount
      for (let c = 0; c < channelCount; c++) row += `,${formatDecimal(batch.valuesUv[base + c], 3)}`
      text += `${row}\n`
    }
    if (text.length >= TARGET_CHUNK_CHARS) {
      yield encoder.encode(text)
      text = ''
    }
  }
  if (text.length > 0) yield encoder.encode(text)
}

export function* writeEventsCsv(events: PlacedEvent[]): Generator<Uint8Array> {
  const lines = ['onset_s,duration_s,timestamp_ms,source,trial_type,value,text']
  for (const e of events) {
    lines.push(
      [formatDecimal(e.onsetS, 6), formatDecimal(e.durationS, 6), formatDecimal(e.timestampMs, 3), e.source, e.trialType, e.value ?? '', e.text].map((f) => csvField(f)).join(',')
    )
  }
  yield encoder.encode(`${lines.join('\n')}\n`)
}
