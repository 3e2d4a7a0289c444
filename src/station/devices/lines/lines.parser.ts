/**
 * Line protocol parser, pure: one text frame per line (the serial driver splits lines with
 * @serialport/parser-readline; a trailing CR is trimmed here, so CRLF and LF both work).
 *
 *   CSV / whitespace:  `12.5,-3.1,8.0`            values in µV, one sample per line
 *   with counter:      header `n,Fp1,Fp2` then `17,12.5,-3.1`  (first header field counter/seq/n/sample/index);
 *                      without a header, a first column that counts up by one over the first
 *                      8 lines (wrapping to 0 allowed) is taken as the counter
 *   header:            any line whose fields are all non-numeric names the channels
 *   JSON lines:        `{"seq": 17, "values": [12.5, -3.1]}` (seq optional),
 *                      header `{"channels": ["Fp1","Fp2"], "sampleRateHz": 256}`
 *   comments:          `# sample_rate_hz=256 full_scale_uv=1650`
 *   numbers:           decimal only (`12.5`, `-3e2`); `0x10`, `0b1`, `Infinity` are not µV values
 *
 * A header is taken as the layout only at stream start, before the first sample. Later, a header
 * that repeats the layout (or names its channels for the first time) is fine; any other header is a
 * `layout_ignored` event and changes nothing, so one status line (`Battery low`) cannot take the
 * stream down. The layout does change when data proves it: COUNTER_PROBE_LINES consecutive lines that
 * do not fit the layout in use but fit that header (or, with no such header, one another) switch the
 * stream to them, as a `layout_changed` event, and those lines are kept.
 *
 * The full contract is in docs/devices.md.
 */
import { emptyParserStats, type DecodedBatch, type DecodedEvent, type ParserStats } from '../protocol'

const COUNTER_NAMES = new Set(['counter', 'seq', 'n', 'sample', 'index', 'idx'])
const SEPARATOR = /[,;\t ]+/
const MAX_CHANNELS = 64

/** Without a header, this many CSV lines decide whether the first column is a counter. */
export const COUNTER_PROBE_LINES = 8

export interface LinesParserState {
  /** Channel count fixed by the header or the first data lines; 0 until known. */
  channelCount: number
  channelNames: string[] | null
  hasCounter: boolean
  /** Whether `hasCounter` is settled (by a header, JSON lines or the probe). */
  isLayoutKnown: boolean
  /** CSV lines held back until the counter probe has enough of them. */
  probe: number[][]
  /** Set from a header or comment; null keeps the configured default. */
  sampleRateHz: number | null
  fullScaleUv: number | null
  /** A sample has been accepted: headers no longer set the layout on their own. */
  hasSamples: boolean
  /** The channel names came from a header (not defaults). */
  isNamedByHeader: boolean
  /** The last header that did not fit the layout in use. */
  candidate: LinesHeader | null
  /** Consecutive data lines that do not fit the layout in use (fields as parsed). */
  misfits: number[][]
  /** Lines left for the next call when a layout switch had to start a new batch. */
  deferred: string[]
  stats: ParserStats
}

export interface LinesHeader {
  names: string[]
  hasCounter: boolean
  sampleRateHz?: number
}

export function createLinesParser(): LinesParserState {
  return {
    channelCount: 0,
    channelNames: null,
    hasCounter: false,
    isLayoutKnown: false,
    probe: [],
    sampleRateHz: null,
    fullScaleUv: null,
    hasSamples: false,
    isNamedByHeader: false,
    candidate: null,
    misfits: [],
    deferred: [],
    stats: emptyParserStats()
  }
}

/** A plain decimal number: what a sketch's print() writes. Number() would also take 0x10, 0b1, Infinity. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function toDecimal(field: string): number {
  return DECIMAL.test(field) ? Number(field) : NaN
}

type Parsed =
  | { type: 'sample'; counter: number | null; values: number[]; isJson: boolean }
  | { type: 'header'; names: string[]; hasCounter: boolean; sampleRateHz?: number }
  | { type: 'settings'; sampleRateHz?: number; fullScaleUv?: number }
  | { type: 'empty' }
  | { type: 'bad' }

function parseLine(raw: string): Parsed {
  const line = raw.trim()
  if (line === '') return { type: 'empty' }
  if (line.startsWith('#')) return parseComment(line.slice(1))
  if (line.startsWith('{')) return parseJson(line)
  const fields = line.split(SEPARATOR).filter((f) => f !== '')
  if (fields.length === 0 || fields.length > MAX_CHANNELS + 1) return { type: 'bad' }
  const numbers = fields.map(toDecimal)
  const numericCount = numbers.filter((v) => Number.isFinite(v)).length
  if (numericCount === fields.length) return { type: 'sample', counter: null, values: numbers, isJson: false }
  if (numericCount === 0 && fields.every((f) => /^[A-Za-z_][\w.-]*$/.test(f))) {
    const hasCounter = fields.length > 1 && COUNTER_NAMES.has(fields[0].toLowerCase())
    return { type: 'header', names: hasCounter ? fields.slice(1) : fields, hasCounter }
  }
  return { type: 'bad' }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}

function parseComment(text: string): Parsed {
  const settings: { type: 'settings'; sampleRateHz?: number; fullScaleUv?: number } = { type: 'settings' }
  for (const match of text.matchAll(/([a-z_]+)\s*=\s*([0-9.eE+-]+)/g)) {
    const value = positive(Number(match[2]))
    if (match[1] === 'sample_rate_hz') settings.sampleRateHz = value
    if (match[1] === 'full_scale_uv') settings.fullScaleUv = value
  }
  return settings
}

function parseJson(line: string): Parsed {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { type: 'bad' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { type: 'bad' }
  const record = value as Record<string, unknown>
  if (Array.isArray(record.channels)) {
    const names = record.channels
    if (names.length === 0 || names.length > MAX_CHANNELS || !names.every((n) => typeof n === 'string' && n.length > 0)) return { type: 'bad' }
    return { type: 'header', names: names as string[], hasCounter: false, sampleRateHz: positive(record.sampleRateHz) }
  }
  if (Array.isArray(record.values)) {
    const values = record.values
    if (values.length === 0 || values.length > MAX_CHANNELS || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) return { type: 'bad' }
    const seq = record.seq ?? record.counter
    const counter = typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 ? seq : null
    return { type: 'sample', counter, values: values as number[], isJson: true }
  }
  return { type: 'bad' }
}

/**
 * Decodes a batch of lines. A header that sets or changes the channel layout is reported as a
 * `header` event before the samples that follow it; a data line that does not fit the layout is a
 * bad frame (or, with others like it, evidence of a new layout; see the file comment).
 */
export function decodeLines(state: LinesParserState, input: readonly string[]): DecodedBatch {
  const events: DecodedEvent[] = []
  const rows: number[][] = []
  const counters: number[] = []
  let anyCounter = false
  const lines = state.deferred.length > 0 ? state.deferred.concat(input) : input
  state.deferred = []
  for (let index = 0; index < lines.length; index++) {
    const parsed = parseLine(lines[index])
    switch (parsed.type) {
      case 'empty':
        break
      case 'bad':
        state.stats.badFrames++
        break
      case 'settings':
        state.stats.frames++
        if (parsed.sampleRateHz) state.sampleRateHz = parsed.sampleRateHz
        if (parsed.fullScaleUv) state.fullScaleUv = parsed.fullScaleUv
        events.push({ name: 'settings', atSample: rows.length, value: [parsed.sampleRateHz ?? 0, parsed.fullScaleUv ?? 0] })
        break
      case 'header':
        state.stats.frames++
        onHeader(parsed)
        break
      case 'sample': {
        if (parsed.isJson) {
          if (!state.isLayoutKnown) {
            state.isLayoutKnown = true
            state.hasCounter = false
          }
          if (!accept(parsed.values, parsed.counter) && onMisfit(parsed.values, index)) return finish()
          break
        }
        if (!state.isLayoutKnown) {
          state.probe.push(parsed.values)
          if (state.probe.length >= COUNTER_PROBE_LINES) settleProbe()
          break
        }
        if (!accept(parsed.values) && onMisfit(parsed.values, index)) return finish()
        break
      }
    }
  }
  return finish()

  function onHeader(header: LinesHeader): void {
    if (!state.hasSamples) {
      applyHeader(header)
      return
    }
    const isSameShape = header.names.length === state.channelCount && header.hasCounter === state.hasCounter
    if (isSameShape && (!state.isNamedByHeader || sameNames(header.names, state.channelNames))) {
      // A repeat, or names for channels that had none: the samples keep their shape.
      if (!sameNames(header.names, state.channelNames)) {
        state.channelNames = header.names
        state.isNamedByHeader = true
        events.push({ name: 'header', atSample: rows.length, value: header.names })
      }
      state.candidate = null
      return
    }
    if (state.candidate && sameNames(state.candidate.names, header.names) && state.candidate.hasCounter === header.hasCounter) return
    state.candidate = header
    events.push({ name: 'layout_ignored', atSample: rows.length, value: header.names })
  }

  function applyHeader(header: LinesHeader): void {
    if (state.probe.length > 0) {
      // A header settles the layout: replay the lines held for the counter probe under it.
      const held = state.probe
      state.probe = []
      state.isLayoutKnown = true
      state.hasCounter = header.hasCounter
      state.channelCount = header.names.length
      for (const values of held) accept(values)
    }
    state.channelCount = header.names.length
    state.channelNames = header.names
    state.hasCounter = header.hasCounter
    state.isLayoutKnown = true
    state.isNamedByHeader = true
    state.candidate = null
    if (header.sampleRateHz) state.sampleRateHz = header.sampleRateHz
    events.push({ name: 'header', atSample: rows.length, value: header.names })
  }

  /**
   * A line that fits neither the layout: hold it with the others like it. Returns true when a switch
   * is due but this batch already has samples of the old shape: the caller ends the batch here and
   * the switch happens at the start of the next one.
   */
  function onMisfit(values: number[], index: number): boolean {
    const misfits = state.misfits
    if (misfits.length > 0 && misfits[0].length !== values.length) {
      state.stats.badFrames += misfits.length
      misfits.length = 0
    }
    misfits.push(values)
    if (misfits.length < COUNTER_PROBE_LINES) return false
    if (rows.length > 0) {
      misfits.pop()
      state.deferred = lines.slice(index)
      return true
    }
    const held = misfits.splice(0)
    const candidate = state.candidate
    const fitsCandidate = candidate !== null && held[0].length === candidate.names.length + (candidate.hasCounter ? 1 : 0)
    state.hasSamples = false
    if (fitsCandidate) {
      applyHeader(candidate)
    } else {
      // The lines agree with each other, not with any header: probe them like a header-less start.
      state.isLayoutKnown = false
      state.channelNames = null
      state.isNamedByHeader = false
      state.channelCount = 0
      state.candidate = null
    }
    events.push({ name: 'layout_changed', atSample: rows.length, value: state.channelNames ?? [] })
    if (fitsCandidate) {
      for (const v of held) accept(v)
    } else {
      state.probe = held
      settleProbe()
    }
    return false
  }

  function settleProbe(): void {
    const held = state.probe
    state.probe = []
    state.isLayoutKnown = true
    state.hasCounter = held.every((v, k) => v.length >= 2 && Number.isInteger(v[0]) && v[0] >= 0 && (k === 0 || v[0] === held[k - 1][0] + 1 || v[0] === 0))
    for (const values of held) accept(values)
  }

  /** Takes a data line in the current layout; false (nothing counted) when it does not fit. */
  function accept(raw: number[], jsonCounter: number | null = null): boolean {
    let counter = jsonCounter
    let values = raw
    if (state.hasCounter) {
      const first = values[0]
      if (!Number.isInteger(first) || first < 0) return false
      counter = first
      values = values.slice(1)
    }
    if (state.channelCount === 0) {
      state.channelCount = values.length
      events.push({ name: 'header', atSample: rows.length, value: [] })
    }
    if (values.length !== state.channelCount) return false
    if (state.misfits.length > 0) {
      // Lines that fit again: the misfits were noise after all.
      state.stats.badFrames += state.misfits.length
      state.misfits.length = 0
    }
    state.stats.frames++
    state.hasSamples = true
    rows.push(values)
    counters.push(counter ?? -1)
    if (counter !== null) anyCounter = true
    return true
  }

  function finish(): DecodedBatch {
    const channelCount = state.channelCount
    const samplesUv = new Float32Array(rows.length * channelCount)
    for (let r = 0; r < rows.length; r++) samplesUv.set(rows[r], r * channelCount)
    // Counters only count when every sample of the batch has one; mixed batches fall back to time.
    const hasCounters = anyCounter && counters.every((c) => c >= 0)
    return { count: rows.length, channelCount, samplesUv, counters: hasCounters ? Int32Array.from(counters) : null, events }
  }
}

function sameNames(a: readonly string[], b: readonly string[] | null): boolean {
  return b !== null && a.length === b.length && a.every((name, k) => name === b[k])
}
