/**
 * Where every stored sample sits on the exported file's time axis.
 *
 * Export files are sample-grid formats (EDF/BDF records, BIDS), so each sample gets a slot index:
 * slot / sampleRateHz is its time in seconds from the first sample. Within a stretch of consecutive
 * sequence numbers (a run) slots advance one per sample. A jump in `seq` is a drop of that many
 * samples. A jump in time with consecutive `seq` is a reconnect (the recorder continues `seq` after
 * the last stored one, the headset's downtime shows only in the timestamps): the gap's length comes
 * from the timestamps then.
 *
 * Events carry wall-clock times; `fileTimeOf` maps them onto the same axis through anchors taken
 * from the samples' own timestamps, so a headset clock that drifts against the host clock does not
 * shift annotations by seconds over an hour.
 */
import { VigilError } from '../../shared/errors'

/** A batch of stored samples in `seq` order: values interleaved [sample][channel], in µV. */
export interface SampleBatch {
  seqs: Float64Array
  timestampsMs: Float64Array
  valuesUv: Float32Array
}

export interface SampleRun {
  firstSeq: number
  lastSeq: number
  /** Slot of `firstSeq`. */
  firstSlot: number
}

export interface SampleGap {
  /** First missing slot. */
  slot: number
  /** Number of missing slots. */
  slotCount: number
  /** Samples lost according to `seq` (0 for a reconnect with continuous `seq`). */
  droppedSamples: number
  /** Wall-clock time the first missing sample was due (last sample before the gap + one period). */
  timestampMs: number
}

export interface ChannelRange {
  minUv: number
  maxUv: number
}

export interface SampleTimeline {
  sampleRateHz: number
  channelCount: number
  sampleCount: number
  /** One past the last occupied slot: the length of the time axis in samples. */
  slotCount: number
  /** UTC epoch ms of the first sample (slot 0); null when there are no samples. */
  firstTimestampMs: number | null
  runs: SampleRun[]
  gaps: SampleGap[]
  /** Finite range of each channel's values; {0, 0} for a channel with no finite value. */
  ranges: ChannelRange[]
  /** Last `seq` seen: later rows (a recording still under way) are not part of this export. */
  lastSeq: number | null
  /** Seconds from slot 0 for a wall-clock time (may be negative or beyond the end). */
  fileTimeOf(timestampMs: number): number
  /** Slot of a stored `seq` (which must be one of the timeline's samples). */
  slotOf(seq: number): number
}

export interface TimelineOptions {
  /** Consecutive samples further apart than this (ms) are a reconnect gap. */
  reconnectGapMs?: number
  /** Keep a time anchor every this many samples (one per second is plenty). */
  anchorEverySamples?: number
}

interface Anchor {
  timestampMs: number
  slot: number
  /** Anchors of one run share a run index; interpolation never crosses a gap. */
  run: number
}

export interface TimelineBuilder {
  /** Adds the next batch (batches in `seq` order). */
  add(batch: SampleBatch): void
  finish(): SampleTimeline
}

/** Builds the timeline from every sample batch, in `seq` order (the first pass of an export). */
export function buildTimeline(batches: Iterable<SampleBatch>, sampleRateHz: number, channelCount: number, options: TimelineOptions = {}): SampleTimeline {
  const builder = createTimelineBuilder(sampleRateHz, channelCount, options)
  for (const batch of batches) builder.add(batch)
  return builder.finish()
}

export function createTimelineBuilder(sampleRateHz: number, channelCount: number, options: TimelineOptions = {}): TimelineBuilder {
  if (!(sampleRateHz > 0)) throw new VigilError('BAD_REQUEST', `invalid sample rate ${sampleRateHz}`)
  const periodMs = 1000 / sampleRateHz
  const reconnectGapMs = Math.max(options.reconnectGapMs ?? 1000, 2 * periodMs)
  const anchorEvery = options.anchorEverySamples ?? Math.max(1, Math.round(sampleRateHz))
  const runs: SampleRun[] = []
  const gaps: SampleGap[] = []
  const anchors: Anchor[] = []
  const mins = new Float64Array(channelCount).fill(Infinity)
  const maxs = new Float64Array(channelCount).fill(-Infinity)
  let sampleCount = 0
  let prevSeq = NaN
  let prevT = NaN
  let prevSlot = -1
  let firstTimestampMs: number | null = null
  let sinceAnchor = 0

  function add(batch: SampleBatch): void {
    const n = batch.seqs.length
    if (batch.valuesUv.length !== n * channelCount) throw new VigilError('INTERNAL', 'sample batch does not match the channel count')
    for (let i = 0; i < n; i++) {
      const seq = batch.seqs[i]
      const t = batch.timestampsMs[i]
      let slot: number
      if (sampleCount === 0) {
        slot = 0
        firstTimestampMs = t
        runs.push({ firstSeq: seq, lastSeq: seq, firstSlot: 0 })
        anchors.push({ timestampMs: t, slot, run: 0 })
        sinceAnchor = 0
      } else {
        if (seq <= prevSeq) throw new VigilError('INTERNAL', `samples out of order at seq ${seq}`)
        const dropped = seq - prevSeq - 1
        const isReconnect = dropped === 0 && t - prevT > reconnectGapMs
        if (dropped === 0 && !isReconnect) {
          slot = prevSlot + 1
          runs[runs.length - 1].lastSeq = seq
          if (++sinceAnchor >= anchorEvery) {
            anchors.push({ timestampMs: t, slot, run: runs.length - 1 })
            sinceAnchor = 0
          }
        } else {
          // The lost stretch: by sequence numbers when they jump, by timestamps across a reconnect.
          const missing = dropped > 0 ? dropped : Math.max(1, Math.round((t - prevT) / periodMs) - 1)
          slot = prevSlot + 1 + missing
          // Close the run with an anchor at its last sample so interpolation covers all of it.
          if (sinceAnchor > 0) anchors.push({ timestampMs: prevT, slot: prevSlot, run: runs.length - 1 })
          gaps.push({ slot: prevSlot + 1, slotCount: missing, droppedSamples: dropped, timestampMs: prevT + periodMs })
          runs.push({ firstSeq: seq, lastSeq: seq, firstSlot: slot })
          anchors.push({ timestampMs: t, slot, run: runs.length - 1 })
          sinceAnchor = 0
        }
      }
      const base = i * channelCount
      for (let c = 0; c < channelCount; c++) {
        const v = batch.valuesUv[base + c]
        // NaN fails both comparisons, ±Infinity is excluded explicitly.
        if (v < mins[c] && v !== -Infinity) mins[c] = v
        if (v > maxs[c] && v !== Infinity) maxs[c] = v
      }
      prevSeq = seq
      prevT = t
      prevSlot = slot
      sampleCount++
    }
  }

  function finish(): SampleTimeline {
    if (sinceAnchor > 0) anchors.push({ timestampMs: prevT, slot: prevSlot, run: runs.length - 1 })
    sinceAnchor = 0

    const ranges: ChannelRange[] = Array.from({ length: channelCount }, (_, c) =>
      mins[c] <= maxs[c] ? { minUv: mins[c], maxUv: maxs[c] } : { minUv: 0, maxUv: 0 }
    )

    function fileTimeOf(timestampMs: number): number {
      if (anchors.length === 0) return 0
      // Last anchor at or before the time.
      let lo = 0
      let hi = anchors.length - 1
      if (timestampMs < anchors[0].timestampMs) return (timestampMs - anchors[0].timestampMs) / 1000
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (anchors[mid].timestampMs <= timestampMs) lo = mid
        else hi = mid - 1
      }
      const a = anchors[lo]
      const b = anchors[lo + 1]
      if (b && b.run === a.run && b.timestampMs > a.timestampMs) {
        const slot = a.slot + ((timestampMs - a.timestampMs) / (b.timestampMs - a.timestampMs)) * (b.slot - a.slot)
        return slot / sampleRateHz
      }
      // In a gap or after the end: extrapolate from the last sample seen, but never past the next run.
      const seconds = a.slot / sampleRateHz + (timestampMs - a.timestampMs) / 1000
      return b ? Math.min(seconds, b.slot / sampleRateHz) : seconds
    }

    function slotOf(seq: number): number {
      let lo = 0
      let hi = runs.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (runs[mid].firstSeq <= seq) lo = mid
        else hi = mid - 1
      }
      const run = runs[lo]
      if (!run || seq < run.firstSeq || seq > run.lastSeq) throw new VigilError('INTERNAL', `seq ${seq} is not part of the exported samples`)
      return run.firstSlot + (seq - run.firstSeq)
    }

    return {
      sampleRateHz,
      channelCount,
      sampleCount,
      slotCount: prevSlot + 1,
      firstTimestampMs,
      runs,
      gaps,
      ranges,
      lastSeq: sampleCount > 0 ? prevSeq : null,
      fileTimeOf,
      slotOf
    }
  }

  return { add, finish }
}
