/**
 * EDF+ (16-bit) and BDF+ (24-bit) encoder, producing the file as a stream of chunks.
 *
 * Layout (EDF+ spec, edfplus.info): a 256-byte ASCII header, 256 bytes per signal, then data
 * records. Each record holds `samplesPerRecord` samples of every EEG channel (channel-major, little-
 * endian two's complement, 2 bytes EDF / 3 bytes BDF) followed by the annotation signal, whose first
 * TAL ("time-keeping") gives the record's start in seconds from the header's start time.
 *
 * Records sit on a fixed grid of the timeline's slots. `gaps: 'fill'` (the default) writes every
 * record ("+C"); with `gaps: 'discontinuous'` a record with no stored sample at all is left out, which
 * makes the file "EDF+D"/"BDF+D": readers should place each record by its time-keeping TAL, but many do
 * not (MNE-Python loads +D files as if continuous, pyedflib refuses them). Either way, slots missing
 * inside a written record hold the digital value of 0 µV and the gap annotation says they are not data.
 * The last record is completed with 0 µV after the last sample; a `BAD_padding` annotation marks it.
 *
 * Signal labels are the plain channel names ("Fp1", not the EDF+ "EEG Fp1" form): BIDS requires the
 * names in channels.tsv to equal the data file's, and a standard 10-20 montage matches them unrenamed.
 *
 * Physical min/max per channel come from the data (rounded outwards to fit the 8-character
 * field), so no sample clips; one quantisation step is (max - min) / (digital range).
 */
import { VigilError } from '../../shared/errors'
import type { SampleBatch, SampleTimeline } from './timeline'

export type EdfFlavour = 'edf' | 'bdf'

export interface EdfAnnotation {
  /** Seconds from the first sample (may be negative: before the recording started). */
  onsetS: number
  durationS: number
  text: string
}

export interface EdfRecordingInfo {
  /** participant_code: goes into the EDF+ patient field, never a name. */
  patientCode: string
  /** EDF+ "hospital administration code" of the recording: the session id. */
  adminCode: string
  technician: string
  equipment: string
  channelLabels: string[]
  /** e.g. "HP:0.1Hz LP:70Hz" or "None": what had been applied before the values were stored. */
  prefiltering: string
  transducer: string
}

export type EdfGapMode = 'discontinuous' | 'fill'

export interface EdfInput extends EdfRecordingInfo {
  timeline: SampleTimeline
  annotations: EdfAnnotation[]
  /** Leave out records without samples (+D) or write them filled with 0 µV (+C). */
  gaps: EdfGapMode
}

interface FlavourSpec {
  bytesPerSample: number
  digitalMin: number
  digitalMax: number
  annotationLabel: string
}

const FLAVOURS: Record<EdfFlavour, FlavourSpec> = {
  edf: { bytesPerSample: 2, digitalMin: -32768, digitalMax: 32767, annotationLabel: 'EDF Annotations' },
  bdf: { bytesPerSample: 3, digitalMin: -8388608, digitalMax: 8388607, annotationLabel: 'BDF Annotations' }
}

/** The spec recommends data records of at most 61440 bytes. */
const MAX_RECORD_BYTES = 61440
/** Longest annotation text kept (bytes of UTF-8); longer texts are cut with an ellipsis. */
const MAX_ANNOTATION_TEXT_BYTES = 200
/** Records per yielded chunk, so chunks are around 64 KB. */
const TARGET_CHUNK_BYTES = 64 * 1024

export interface EdfSignalPlan {
  label: string
  /** Exactly as written in the header (the encoder uses the same numbers). */
  physicalMinText: string
  physicalMaxText: string
  physicalMinUv: number
  physicalMaxUv: number
}

export interface EdfPlan {
  flavour: EdfFlavour
  /** 0 µV samples after the last sample that complete the last record (marked `BAD_padding`). */
  paddingSamples: number
  /** The data file's own length in seconds: written records × record duration, padding included. */
  fileDurationS: number
  recordDurationS: number
  samplesPerRecord: number
  /** Indices (on the slot grid) of the records written, ascending. */
  recordIndices: number[]
  isDiscontinuous: boolean
  annotationSamplesPerRecord: number
  recordBytes: number
  headerBytes: number
  totalBytes: number
  signals: EdfSignalPlan[]
  /** Header start time (whole seconds, UTC epoch ms) and the offset of slot 0 after it, in seconds. */
  headerStartMs: number
  startOffsetS: number
  /** TAL bytes of each written record (time-keeping TAL first), in record order. */
  annotationTals: Uint8Array[][]
}

const encoder = new TextEncoder()

/** Fits a number into the 8-character header field, rounding away from the data (`floor` for a minimum). */
export function formatEdfNumber(value: number, direction: 'floor' | 'ceil'): string {
  for (let decimals = 6; decimals >= 0; decimals--) {
    const scale = 10 ** decimals
    const rounded = (direction === 'floor' ? Math.floor(value * scale) : Math.ceil(value * scale)) / scale
    const text = trimNumber(rounded.toFixed(decimals))
    if (text.length <= 8) return text
  }
  throw new VigilError('BAD_REQUEST', `value ${value} does not fit an EDF header field`)
}

function trimNumber(text: string): string {
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
  return trimmed === '-0' ? '0' : trimmed
}

/** TAL time: sign always present, up to microseconds, no exponent. */
function formatTalSeconds(seconds: number, signed: boolean): string {
  const text = trimNumber(Math.abs(seconds).toFixed(6))
  if (!signed) return text
  return (seconds < 0 && text !== '0' ? '-' : '+') + text
}

function cleanAnnotationText(text: string): string {
  // 0x14, 0x15 and 0x00 delimit TALs; other control characters would only confuse readers.
  let clean = Array.from(text, (ch) => (ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? ' ' : ch))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim()
  if (encoder.encode(clean).length > MAX_ANNOTATION_TEXT_BYTES) {
    while (encoder.encode(`${clean}…`).length > MAX_ANNOTATION_TEXT_BYTES) clean = clean.slice(0, -1)
    clean = `${clean}…`
  }
  return clean
}

function annotationTal(annotation: EdfAnnotation, startOffsetS: number): Uint8Array {
  const onset = formatTalSeconds(annotation.onsetS + startOffsetS, true)
  const duration = annotation.durationS > 0 ? `\u0015${formatTalSeconds(annotation.durationS, false)}` : ''
  return encoder.encode(`${onset}${duration}\u0014${cleanAnnotationText(annotation.text)}\u0014\u0000`)
}

function timeKeepingTal(recordStartS: number): Uint8Array {
  return encoder.encode(`${formatTalSeconds(recordStartS, true)}\u0014\u0014\u0000`)
}

/**
 * Record duration: 1 s when a second holds a whole number of samples and the record stays within the
 * recommended size, shorter for big montages, a few seconds for rates like 512.5 Hz.
 */
function recordDurationFor(sampleRateHz: number, bytesPerSecond: number): number {
  const isWhole = (seconds: number) => Math.abs(sampleRateHz * seconds - Math.round(sampleRateHz * seconds)) < 1e-9
  for (const seconds of [1, 0.5, 0.25, 0.2, 0.1]) if (isWhole(seconds) && bytesPerSecond * seconds <= MAX_RECORD_BYTES) return seconds
  for (let seconds = 1; seconds <= 100; seconds++) if (isWhole(seconds)) return seconds
  throw new VigilError('BAD_REQUEST', `sample rate ${sampleRateHz} Hz cannot be written as EDF records`)
}

function physicalRange(minUv: number, maxUv: number): Omit<EdfSignalPlan, 'label'> {
  // A flat channel still needs min < max; widen by 1 µV each side.
  const lo = minUv === maxUv ? minUv - 1 : minUv
  const hi = minUv === maxUv ? maxUv + 1 : maxUv
  const physicalMinText = formatEdfNumber(lo, 'floor')
  const physicalMaxText = formatEdfNumber(hi, 'ceil')
  return { physicalMinText, physicalMaxText, physicalMinUv: Number(physicalMinText), physicalMaxUv: Number(physicalMaxText) }
}

/** Plans the file: signals, the records written, where each annotation goes, and the exact size. */
export function planEdf(input: EdfInput, flavour: EdfFlavour): EdfPlan {
  const spec = FLAVOURS[flavour]
  const { timeline } = input
  if (timeline.sampleCount === 0 || timeline.firstTimestampMs === null) throw new VigilError('EXPORT_EMPTY_SESSION', 'the session has no EEG samples to export')
  if (input.channelLabels.length !== timeline.channelCount) throw new VigilError('INTERNAL', 'channel labels do not match the samples')
  const recordDurationS = recordDurationFor(timeline.sampleRateHz, timeline.sampleRateHz * timeline.channelCount * spec.bytesPerSample)
  const samplesPerRecord = Math.round(timeline.sampleRateHz * recordDurationS)

  const recordIndices: number[] = []
  for (const run of timeline.runs) {
    const first = Math.floor(run.firstSlot / samplesPerRecord)
    const last = Math.floor((run.firstSlot + run.lastSeq - run.firstSeq) / samplesPerRecord)
    for (let r = first; r <= last; r++) if (recordIndices.length === 0 || recordIndices[recordIndices.length - 1] < r) recordIndices.push(r)
  }
  const lastIndex = recordIndices[recordIndices.length - 1]
  if (input.gaps === 'fill') {
    recordIndices.length = 0
    for (let r = 0; r <= lastIndex; r++) recordIndices.push(r)
  }
  const isDiscontinuous = recordIndices.length !== lastIndex + 1
  const paddingSamples = (lastIndex + 1) * samplesPerRecord - timeline.slotCount
  const annotations = paddingSamples > 0 ? [...input.annotations, edfPaddingAnnotation(timeline.slotCount, paddingSamples, timeline.sampleRateHz)] : input.annotations

  const headerStartMs = Math.floor(timeline.firstTimestampMs / 1000) * 1000
  const startOffsetS = (timeline.firstTimestampMs - headerStartMs) / 1000
  const annotationTals = placeAnnotations(annotations, recordIndices, samplesPerRecord, timeline.sampleRateHz, recordDurationS, startOffsetS)
  const capacity = Math.max(...annotationTals.map((tals) => tals.reduce((sum, tal) => sum + tal.length, 0)))
  const annotationSamplesPerRecord = Math.ceil(capacity / spec.bytesPerSample)

  const channelCount = timeline.channelCount
  const recordBytes = (channelCount * samplesPerRecord + annotationSamplesPerRecord) * spec.bytesPerSample
  const headerBytes = 256 * (channelCount + 2)
  const signals = input.channelLabels.map((label, c) => ({ label, ...physicalRange(timeline.ranges[c].minUv, timeline.ranges[c].maxUv) }))
  return {
    flavour,
    paddingSamples,
    fileDurationS: recordIndices.length * recordDurationS,
    recordDurationS,
    samplesPerRecord,
    recordIndices,
    isDiscontinuous,
    annotationSamplesPerRecord,
    recordBytes,
    headerBytes,
    totalBytes: headerBytes + recordBytes * recordIndices.length,
    signals,
    headerStartMs,
    startOffsetS,
    annotationTals
  }
}

/** Text of the annotation that marks the padding of the last record. */
export const PADDING_ANNOTATION = 'BAD_padding'

/** The padding after the last sample: the file's last record holds no data from there on. */
export function edfPaddingAnnotation(slotCount: number, paddingSamples: number, sampleRateHz: number): EdfAnnotation {
  return { onsetS: slotCount / sampleRateHz, durationS: paddingSamples / sampleRateHz, text: `${PADDING_ANNOTATION} ${paddingSamples} samples after the end of the recording` }
}

/**
 * Puts each annotation in the written record holding its onset (the first written one after it if
 * that record was dropped), then evens out bursts: a record takes at most `capacity` bytes and the
 * rest spill into the next records. The onset inside the TAL is what readers use, not the record.
 */
function placeAnnotations(
  annotations: EdfAnnotation[],
  recordIndices: number[],
  samplesPerRecord: number,
  sampleRateHz: number,
  recordDurationS: number,
  startOffsetS: number
): Uint8Array[][] {
  const keeping = recordIndices.map((r) => timeKeepingTal(r * recordDurationS + startOffsetS))
  const sorted = [...annotations].sort((a, b) => a.onsetS - b.onsetS)
  const home: number[] = []
  const tals = sorted.map((a) => annotationTal(a, startOffsetS))
  let position = 0
  for (const a of sorted) {
    const record = Math.floor((a.onsetS * sampleRateHz) / samplesPerRecord)
    while (position < recordIndices.length - 1 && recordIndices[position] < record) position++
    home.push(position)
  }
  const perRecordNeed = Array.from({ length: recordIndices.length }, () => 0)
  tals.forEach((tal, i) => (perRecordNeed[home[i]] += tal.length))
  const floor = Math.max(...keeping.map((k) => k.length)) + Math.max(0, ...tals.map((t) => t.length))
  let capacity = Math.max(floor, Math.min(2048, Math.max(...keeping.map((k, i) => k.length + perRecordNeed[i]))))
  for (;;) {
    const placed: Uint8Array[][] = keeping.map((k) => [k])
    let next = 0
    for (let r = 0; r < recordIndices.length; r++) {
      let used = keeping[r].length
      while (next < tals.length && home[next] <= r && used + tals[next].length <= capacity) {
        placed[r].push(tals[next])
        used += tals[next].length
        next++
      }
    }
    if (next === tals.length) return placed
    capacity = Math.ceil(capacity * 1.5)
  }
}

function asciiField(value: string, width: number): string {
  // Header fields are printable US-ASCII, left-aligned, space-padded.
  const ascii = value.replace(/[^\x20-\x7e]/g, '_')
  return ascii.slice(0, width).padEnd(width, ' ')
}

/** EDF+ subfields are separated by spaces, so spaces inside a subfield become underscores. */
function subfield(value: string): string {
  const clean = value.trim().replace(/\s+/g, '_')
  return clean === '' ? 'X' : clean
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']

function two(n: number): string {
  return String(n).padStart(2, '0')
}

export function encodeEdfHeader(input: EdfInput, plan: EdfPlan): Uint8Array {
  const spec = FLAVOURS[plan.flavour]
  const start = new Date(plan.headerStartMs)
  const day = two(start.getUTCDate())
  const year = start.getUTCFullYear()
  const patient = `${subfield(input.patientCode)} X X X`
  const recording = `Startdate ${day}-${MONTHS[start.getUTCMonth()]}-${year} ${subfield(input.adminCode)} ${subfield(input.technician)} ${subfield(input.equipment)}`
  const reserved = `${plan.flavour.toUpperCase()}+${plan.isDiscontinuous ? 'D' : 'C'}`
  const signalCount = plan.signals.length + 1
  let text = ''
  text += asciiField(plan.flavour === 'bdf' ? 'BIOSEMI' : '0', plan.flavour === 'bdf' ? 7 : 8)
  text += asciiField(patient, 80)
  text += asciiField(recording, 80)
  text += `${day}.${two(start.getUTCMonth() + 1)}.${two(year % 100)}`
  text += `${two(start.getUTCHours())}.${two(start.getUTCMinutes())}.${two(start.getUTCSeconds())}`
  text += asciiField(String(plan.headerBytes), 8)
  text += asciiField(reserved, 44)
  text += asciiField(String(plan.recordIndices.length), 8)
  text += asciiField(String(plan.recordDurationS), 8)
  text += asciiField(String(signalCount), 4)
  const eeg = plan.signals
  const field = (values: string[], width: number) => values.map((v) => asciiField(v, width)).join('')
  const annotationLabel = spec.annotationLabel
  text += field([...eeg.map((s) => s.label), annotationLabel], 16)
  text += field([...eeg.map(() => input.transducer), ''], 80)
  text += field([...eeg.map(() => 'uV'), ''], 8)
  // The annotation signal's physical range is unused but must differ: the spec suggests -1 and 1.
  text += field([...eeg.map((s) => s.physicalMinText), '-1'], 8)
  text += field([...eeg.map((s) => s.physicalMaxText), '1'], 8)
  text += field([...eeg.map(() => String(spec.digitalMin)), String(spec.digitalMin)], 8)
  text += field([...eeg.map(() => String(spec.digitalMax)), String(spec.digitalMax)], 8)
  text += field([...eeg.map(() => input.prefiltering), ''], 80)
  text += field([...eeg.map(() => String(plan.samplesPerRecord)), String(plan.annotationSamplesPerRecord)], 8)
  text += field([...eeg.map(() => ''), ''], 32)
  const bytes = new Uint8Array(plan.headerBytes)
  if (plan.flavour === 'bdf') {
    bytes[0] = 0xff
    bytes.set(encoder.encode(text), 1)
  } else bytes.set(encoder.encode(text), 0)
  if (text.length + (plan.flavour === 'bdf' ? 1 : 0) !== plan.headerBytes) throw new VigilError('INTERNAL', 'EDF header size mismatch')
  return bytes
}

/**
 * Encodes the whole file. `samples` must be the same rows the timeline was built from (a second pass
 * over the session); anything else is an error rather than a silently wrong file.
 */
export function* encodeEdf(input: EdfInput, plan: EdfPlan, samples: Iterable<SampleBatch>): Generator<Uint8Array> {
  const spec = FLAVOURS[plan.flavour]
  const { timeline } = input
  const { samplesPerRecord: n, recordBytes, recordIndices } = plan
  const bps = spec.bytesPerSample
  const channelCount = timeline.channelCount
  const gains = plan.signals.map((s) => (spec.digitalMax - spec.digitalMin) / (s.physicalMaxUv - s.physicalMinUv))
  const offsets = plan.signals.map((s, c) => spec.digitalMin - s.physicalMinUv * gains[c])
  const quantise = (c: number, uv: number): number => {
    const d = Math.round(uv * gains[c] + offsets[c])
    // NaN compares false both ways; it is stored as 0 µV like a missing sample.
    if (d >= spec.digitalMin && d <= spec.digitalMax) return d
    if (d < spec.digitalMin) return spec.digitalMin
    if (d > spec.digitalMax) return spec.digitalMax
    return quantise(c, 0)
  }

  // A record with every sample at 0 µV and an empty annotation area: the starting point of each record.
  const template = new Uint8Array(recordBytes)
  for (let c = 0; c < channelCount; c++) {
    const d = quantise(c, 0)
    for (let p = 0; p < n; p++) writeInt(template, (c * n + p) * bps, d, bps)
  }
  const annotationStart = channelCount * n * bps

  yield encodeEdfHeader(input, plan)

  const recordsPerChunk = Math.max(1, Math.floor(TARGET_CHUNK_BYTES / recordBytes))
  let chunk = new Uint8Array(Math.min(recordsPerChunk, recordIndices.length) * recordBytes)
  let chunkRecords = 0
  let written = 0
  let recordBase = -1
  let currentRecord = -1
  let runIndex = 0

  const closeRecord = function* (): Generator<Uint8Array> {
    let at = recordBase + annotationStart
    for (const tal of plan.annotationTals[written]) {
      chunk.set(tal, at)
      at += tal.length
    }
    written++
    chunkRecords++
    currentRecord = -1
    if (chunkRecords === recordsPerChunk || written === recordIndices.length) {
      yield chunk.subarray(0, chunkRecords * recordBytes)
      chunk = new Uint8Array(Math.min(recordsPerChunk, recordIndices.length - written) * recordBytes)
      chunkRecords = 0
    }
  }

  /** Writes the records before `record` that hold no sample (only when gaps are filled). */
  const fillUntil = function* (record: number): Generator<Uint8Array> {
    while (written < recordIndices.length && recordIndices[written] < record) {
      recordBase = chunkRecords * recordBytes
      chunk.set(template, recordBase)
      yield* closeRecord()
    }
  }

  for (const batch of samples) {
    const count = batch.seqs.length
    for (let i = 0; i < count; i++) {
      const seq = batch.seqs[i]
      if (timeline.lastSeq !== null && seq > timeline.lastSeq) break
      while (runIndex < timeline.runs.length && seq > timeline.runs[runIndex].lastSeq) runIndex++
      const run = timeline.runs[runIndex]
      if (!run || seq < run.firstSeq) throw new VigilError('CONFLICT', 'the session changed during export; try again')
      const slot = run.firstSlot + (seq - run.firstSeq)
      const record = Math.floor(slot / n)
      if (record !== currentRecord) {
        if (currentRecord >= 0) yield* closeRecord()
        if (input.gaps === 'fill') yield* fillUntil(record)
        if (recordIndices[written] !== record) throw new VigilError('CONFLICT', 'the session changed during export; try again')
        currentRecord = record
        recordBase = chunkRecords * recordBytes
        chunk.set(template, recordBase)
      }
      const p = slot - record * n
      const base = i * channelCount
      for (let c = 0; c < channelCount; c++) writeInt(chunk, recordBase + (c * n + p) * bps, quantise(c, batch.valuesUv[base + c]), bps)
    }
  }
  if (currentRecord >= 0) yield* closeRecord()
  if (written !== recordIndices.length) throw new VigilError('CONFLICT', 'the session changed during export; try again')
}

function writeInt(target: Uint8Array, at: number, value: number, bytes: number): void {
  // Little-endian two's complement; `>>` keeps the sign bits for the top byte.
  target[at] = value & 0xff
  target[at + 1] = (value >> 8) & 0xff
  if (bytes === 3) target[at + 2] = (value >> 16) & 0xff
}
