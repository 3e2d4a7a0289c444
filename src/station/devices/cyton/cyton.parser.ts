/**
 * OpenBCI Cyton (and Cyton + Daisy) binary stream parser, pure.
 *
 * Packet, 33 bytes: 0xA0, sample counter (uint8, wraps), 8 × int24 big-endian two's complement,
 * 6 aux bytes, footer 0xC0..0xC6. A packet is accepted when header and footer line up and the next
 * header follows, so neither a stray 0xA0 inside channel data nor a truncated packet whose "footer"
 * happens to land on a 0xCx byte is taken as a packet. Resync costs at most the packet that was cut.
 * Right after a resync (or at the start) that is not enough: garbage whose 0xA0 lines up with a 0xCx
 * and a 0xA0 in the aux bytes of the real packets after it passes both checks. There a packet must
 * also continue the counter (last + 1), or be followed by a second packet that does. A phantom then
 * passes only if a garbage byte happens to equal the counter that follows (1 in 256).
 *
 * Daisy: packets alternate boards. Even counters carry the Daisy's channels 9-16, the following odd
 * counter the Cyton's 1-8; one 16-channel row is emitted per pair (125 Hz), counter = even >> 1.
 */
import { emptyParserStats, joinCarry, EMPTY_EVENTS, type DecodedBatch, type ParserStats } from '../protocol'

export const CYTON_PACKET_BYTES = 33
export const CYTON_HEADER = 0xa0
export const CYTON_DEFAULT_GAIN = 24
export const CYTON_GAINS = [1, 2, 4, 6, 8, 12, 24] as const
const VREF_V = 4.5
const INT24_MAX = 2 ** 23 - 1

/** µV per ADC count at a channel gain: 4.5 V / gain / (2^23 - 1). */
export function cytonScaleUv(gain: number): number {
  return (VREF_V / gain / INT24_MAX) * 1e6
}

/** ± full-scale input in µV at a gain (187 500 µV at ×24). */
export function cytonFullScaleUv(gain: number): number {
  return (VREF_V / gain) * 1e6
}

function isFooter(byte: number): boolean {
  return byte >= 0xc0 && byte <= 0xc6
}

export interface CytonParserOptions {
  daisy?: boolean
  /** Per-channel gain (8 or 16 entries); default ×24 everywhere. */
  gains?: readonly number[]
}

export interface CytonParserState {
  readonly daisy: boolean
  readonly channelCount: number
  /** Counter modulus of emitted rows: 256 for Cyton, 128 for Daisy rows. */
  readonly counterModulus: number
  readonly scaleUv: Float64Array
  carry: Uint8Array
  carryLength: number
  isLocked: boolean
  /**
   * Whether a packet has been seen since the port opened. Bytes before the first one are the board's
   * text answers ("updating channel settings to default$$$" after 'd'), not parse errors.
   */
  hasLocked: boolean
  /** Counter byte of the last accepted packet (-1 after a reset): confirms candidates after a resync. */
  lastCounter: number
  /** Daisy: counter and µV of the even (Daisy-board) packet waiting for its odd partner. */
  pendingCounter: number
  readonly pendingUv: Float32Array
  /** Daisy: odd packets dropped because their even partner was missing. */
  orphanPackets: number
  stats: ParserStats
}

export function createCytonParser(options: CytonParserOptions = {}): CytonParserState {
  const daisy = options.daisy ?? false
  const channelCount = daisy ? 16 : 8
  const scaleUv = new Float64Array(channelCount)
  for (let c = 0; c < channelCount; c++) scaleUv[c] = cytonScaleUv(options.gains?.[c] ?? CYTON_DEFAULT_GAIN)
  return {
    daisy,
    channelCount,
    counterModulus: daisy ? 128 : 256,
    scaleUv,
    carry: new Uint8Array(CYTON_PACKET_BYTES * 2),
    carryLength: 0,
    isLocked: false,
    hasLocked: false,
    lastCounter: -1,
    pendingCounter: -1,
    pendingUv: new Float32Array(8),
    orphanPackets: 0,
    stats: emptyParserStats()
  }
}

/** Updates one channel's gain, e.g. after sending an `x…X` channel-settings command. */
export function setCytonGain(state: CytonParserState, channel: number, gain: number): void {
  if (channel >= 0 && channel < state.channelCount) state.scaleUv[channel] = cytonScaleUv(gain)
}

/** Forgets a partial packet (after the port was reopened). */
export function resetCytonParser(state: CytonParserState): void {
  state.carryLength = 0
  state.isLocked = false
  state.hasLocked = false
  state.lastCounter = -1
  state.pendingCounter = -1
}

/** Most packets lost in a row that still confirm the very first packet of a stream. */
const MAX_START_STEP = 8

export function decodeCyton(state: CytonParserState, chunk: Uint8Array): DecodedBatch {
  const buf = joinCarry(state.carry, state.carryLength, chunk)
  const n = buf.length
  const channelCount = state.channelCount
  const maxPackets = Math.floor(n / CYTON_PACKET_BYTES)
  const maxRows = state.daisy ? Math.ceil(maxPackets / 2) + 1 : maxPackets
  const samplesUv = new Float32Array(maxRows * channelCount)
  const counters = new Int32Array(maxRows)
  const scale = state.scaleUv
  const stats = state.stats
  let count = 0
  let i = 0

  while (i + CYTON_PACKET_BYTES <= n) {
    if (buf[i] === CYTON_HEADER && isFooter(buf[i + 32])) {
      // The next header confirms the phase. Locked, a packet that ends the chunk is taken at once (no
      // added latency); after lost sync we wait for the next byte before trusting a candidate.
      if (i + CYTON_PACKET_BYTES < n ? buf[i + CYTON_PACKET_BYTES] !== CYTON_HEADER : !state.isLocked) {
        if (i + CYTON_PACKET_BYTES >= n) break
        if (state.isLocked) {
          state.isLocked = false
          stats.badFrames++
        }
        i = skipToHeader(state, buf, i)
        continue
      }
      const counter = buf[i + 1]
      if (!state.isLocked && (state.lastCounter < 0 || counter !== ((state.lastCounter + 1) & 0xff))) {
        // Not the packet the counter expects (or no counter yet): believe it only when the next
        // packet has its header and footer and continues its counter (at the very start, within a
        // few lost packets); wait for its bytes if they are not here yet.
        const next = i + CYTON_PACKET_BYTES
        if (next + CYTON_PACKET_BYTES > n) break
        const step = (buf[next + 1] - counter) & 0xff
        const isConfirmed = buf[next] === CYTON_HEADER && isFooter(buf[next + 32]) && (state.lastCounter < 0 ? step <= MAX_START_STEP : step === 1)
        if (!isConfirmed) {
          i = skipToHeader(state, buf, i)
          continue
        }
      }
      state.isLocked = true
      state.hasLocked = true
      state.lastCounter = counter
      stats.frames++
      if (!state.daisy) {
        const base = count * channelCount
        for (let c = 0; c < 8; c++) {
          const o = i + 2 + c * 3
          let v = (buf[o] << 16) | (buf[o + 1] << 8) | buf[o + 2]
          if (v & 0x800000) v -= 0x1000000
          samplesUv[base + c] = v * scale[c]
        }
        counters[count++] = counter
      } else if ((counter & 1) === 0) {
        for (let c = 0; c < 8; c++) {
          const o = i + 2 + c * 3
          let v = (buf[o] << 16) | (buf[o + 1] << 8) | buf[o + 2]
          if (v & 0x800000) v -= 0x1000000
          state.pendingUv[c] = v * scale[8 + c]
        }
        state.pendingCounter = counter
      } else if (state.pendingCounter === counter - 1) {
        const base = count * channelCount
        for (let c = 0; c < 8; c++) {
          const o = i + 2 + c * 3
          let v = (buf[o] << 16) | (buf[o + 1] << 8) | buf[o + 2]
          if (v & 0x800000) v -= 0x1000000
          samplesUv[base + c] = v * scale[c]
          samplesUv[base + 8 + c] = state.pendingUv[c]
        }
        counters[count++] = state.pendingCounter >> 1
        state.pendingCounter = -1
      } else {
        state.orphanPackets++
        state.pendingCounter = -1
      }
      i += CYTON_PACKET_BYTES
      continue
    }
    if (state.isLocked) {
      state.isLocked = false
      stats.badFrames++
    }
    i = skipToHeader(state, buf, i)
  }

  const rest = n - i
  if (rest > 0) {
    if (rest > state.carry.length) state.carry = new Uint8Array(rest)
    state.carry.set(buf.subarray(i, n), 0)
  }
  state.carryLength = rest
  return {
    count,
    channelCount,
    samplesUv: samplesUv.subarray(0, count * channelCount),
    counters: counters.subarray(0, count),
    events: EMPTY_EVENTS
  }
}

/** Moves past `from` to the next 0xA0 (or the end), counting the skipped bytes as one resync once the stream has been locked. */
function skipToHeader(state: CytonParserState, buf: Uint8Array, from: number): number {
  let j = buf.indexOf(CYTON_HEADER, from + 1)
  if (j < 0) j = buf.length
  state.stats.garbageBytes += j - from
  if (state.hasLocked) state.stats.resyncs++
  return j
}

export interface CytonPacketFields {
  counter: number
  /** 8 ADC counts (int24 range). */
  counts: ArrayLike<number>
  footer?: number
  aux?: ArrayLike<number>
}

/** Encodes one packet (for emulators and tests). */
export function encodeCytonPacket(fields: CytonPacketFields, out = new Uint8Array(CYTON_PACKET_BYTES), offset = 0): Uint8Array {
  out[offset] = CYTON_HEADER
  out[offset + 1] = fields.counter & 0xff
  for (let c = 0; c < 8; c++) {
    const v = Math.max(-(2 ** 23), Math.min(INT24_MAX, Math.round(fields.counts[c] ?? 0))) & 0xffffff
    const o = offset + 2 + c * 3
    out[o] = v >> 16
    out[o + 1] = (v >> 8) & 0xff
    out[o + 2] = v & 0xff
  }
  for (let a = 0; a < 6; a++) out[offset + 26 + a] = (fields.aux?.[a] ?? 0) & 0xff
  out[offset + 32] = fields.footer ?? 0xc0
  return out
}
