/**
 * NeuroSky ThinkGear stream parser, pure.
 *
 * Packet: 0xAA 0xAA, PLENGTH (0..169), payload, checksum = low byte of the payload sum, inverted.
 * A PLENGTH of 0xAA is a third sync byte (skip it). On a bad checksum we rescan from the byte after
 * the first sync byte, so a real packet hidden inside a corrupt one is still found.
 * Payload rows: any number of 0x55 (extended code level), CODE, then VLENGTH when CODE >= 0x80.
 *
 * The headset has no sample counter, so the parser keeps one: every raw-wave sample takes the next
 * number, and a rejected packet of raw-wave length (PLENGTH 4: `80 02 hi lo`) takes one too, so the
 * lost sample becomes a one-sample gap instead of silently shrinking the time axis.
 * Each rejected packet is one parse error: the bytes skipped after it are part of the same error.
 */
import { emptyParserStats, joinCarry, type DecodedBatch, type DecodedEvent, type ParserStats } from '../protocol'

export const THINKGEAR_SYNC = 0xaa
const EXCODE = 0x55
const MAX_PAYLOAD = 169
/** PLENGTH of a raw-wave packet (`80 02 hi lo`), 512 of which arrive every second. */
const RAW_PACKET_LENGTH = 4

/** µV per raw count: (raw × 1.8 V / 4096) / 2000 (amplifier gain), per NeuroSky's raw-value note. */
export const THINKGEAR_RAW_UV_PER_COUNT = ((1.8 / 4096) / 2000) * 1e6

/** ASIC_EEG_POWER bands, in payload order. */
export const THINKGEAR_BANDS = ['delta', 'theta', 'lowAlpha', 'highAlpha', 'lowBeta', 'highBeta', 'lowGamma', 'midGamma'] as const

export const THINKGEAR_CODES = {
  battery: 0x01,
  poorSignal: 0x02,
  heartRate: 0x03,
  attention: 0x04,
  meditation: 0x05,
  blinkStrength: 0x16,
  rawWave: 0x80,
  asicEegPower: 0x83
} as const

export interface ThinkGearParserState {
  carry: Uint8Array
  carryLength: number
  /** Raw-wave samples seen or lost so far: the counter the timeline sizes gaps with. */
  sampleCounter: number
  /** Rejected packets of raw-wave length, each counted as one lost sample. */
  lostRawSamples: number
  stats: ParserStats
}

export function createThinkGearParser(): ThinkGearParserState {
  return { carry: new Uint8Array(256), carryLength: 0, sampleCounter: 0, lostRawSamples: 0, stats: emptyParserStats() }
}

export function resetThinkGearParser(state: ThinkGearParserState): void {
  state.carryLength = 0
}

export function thinkGearChecksum(payload: ArrayLike<number>, start = 0, length = payload.length): number {
  let sum = 0
  for (let k = 0; k < length; k++) sum += payload[start + k]
  return ~sum & 0xff
}

export function decodeThinkGear(state: ThinkGearParserState, chunk: Uint8Array): DecodedBatch {
  const buf = joinCarry(state.carry, state.carryLength, chunk)
  const n = buf.length
  const stats = state.stats
  // A raw-wave row takes 4 bytes and a packet at least 4 more, so n / 4 bounds the sample count.
  const samplesUv = new Float32Array(Math.ceil(n / 4))
  const counters = new Int32Array(samplesUv.length)
  const events: DecodedEvent[] = []
  let count = 0
  let i = 0
  let skipStart = -1
  // A skip that starts at a rejected packet is already counted in badFrames: not a resync too.
  let isSkipCounted = false

  const skip = (to: number, isBadFrame = false): void => {
    if (skipStart < 0) {
      skipStart = i
      isSkipCounted = isBadFrame
    }
    i = to
  }
  const endSkip = (): void => {
    if (skipStart >= 0) {
      stats.garbageBytes += i - skipStart
      if (!isSkipCounted) stats.resyncs++
      skipStart = -1
    }
  }
  const rejectPacket = (length: number): void => {
    stats.badFrames++
    if (length === RAW_PACKET_LENGTH) {
      state.sampleCounter++
      state.lostRawSamples++
    }
    skip(i + 1, true)
  }

  while (i + 3 <= n) {
    if (buf[i] !== THINKGEAR_SYNC || buf[i + 1] !== THINKGEAR_SYNC) {
      const next = buf.indexOf(THINKGEAR_SYNC, i + 1)
      skip(next < 0 ? n : next)
      continue
    }
    const length = buf[i + 2]
    if (length === THINKGEAR_SYNC) {
      // Three sync bytes in a row: the packet starts one byte later.
      skip(i + 1)
      continue
    }
    if (length > MAX_PAYLOAD) {
      rejectPacket(length)
      continue
    }
    if (i + 4 + length > n) break
    const payloadStart = i + 3
    if (thinkGearChecksum(buf, payloadStart, length) !== buf[payloadStart + length]) {
      rejectPacket(length)
      continue
    }
    endSkip()
    stats.frames++
    const before = count
    count = decodePayload(state, buf, payloadStart, length, samplesUv, count, events)
    for (let k = before; k < count; k++) counters[k] = state.sampleCounter++
    i = payloadStart + length + 1
  }
  // Bytes skipped so far are garbage even though the scan stopped at the end of the chunk.
  endSkip()

  const rest = n - i
  if (rest > 0) {
    if (rest > state.carry.length) state.carry = new Uint8Array(rest)
    state.carry.set(buf.subarray(i, n), 0)
  }
  state.carryLength = rest
  return { count, channelCount: 1, samplesUv: samplesUv.subarray(0, count), counters: counters.subarray(0, count), events }
}

function decodePayload(
  state: ThinkGearParserState,
  buf: Uint8Array,
  start: number,
  length: number,
  samplesUv: Float32Array,
  count: number,
  events: DecodedEvent[]
): number {
  const end = start + length
  let p = start
  while (p < end) {
    let level = 0
    while (p < end && buf[p] === EXCODE) {
      level++
      p++
    }
    if (p >= end) break
    const code = buf[p++]
    let vlength = 1
    if (code >= 0x80) {
      if (p >= end) {
        state.stats.badFrames++
        return count
      }
      vlength = buf[p++]
    }
    if (p + vlength > end) {
      state.stats.badFrames++
      return count
    }
    // Extended codes (level > 0) are not defined for the headsets we support; skip them by length.
    if (level === 0) {
      switch (code) {
        case THINKGEAR_CODES.rawWave:
          if (vlength === 2) {
            let raw = (buf[p] << 8) | buf[p + 1]
            if (raw >= 0x8000) raw -= 0x10000
            samplesUv[count++] = raw * THINKGEAR_RAW_UV_PER_COUNT
          }
          break
        case THINKGEAR_CODES.poorSignal:
          events.push({ name: 'poor_signal', atSample: count, value: buf[p] })
          break
        case THINKGEAR_CODES.attention:
          events.push({ name: 'attention', atSample: count, value: buf[p] })
          break
        case THINKGEAR_CODES.meditation:
          events.push({ name: 'meditation', atSample: count, value: buf[p] })
          break
        case THINKGEAR_CODES.blinkStrength:
          events.push({ name: 'blink_strength', atSample: count, value: buf[p] })
          break
        case THINKGEAR_CODES.heartRate:
          events.push({ name: 'heart_rate', atSample: count, value: buf[p] })
          break
        case THINKGEAR_CODES.battery:
          events.push({ name: 'battery', atSample: count, value: buf[p] })
          break
        case THINKGEAR_CODES.asicEegPower:
          if (vlength === 24) {
            const bands: number[] = []
            for (let b = 0; b < 8; b++) {
              const o = p + b * 3
              bands.push((buf[o] << 16) | (buf[o + 1] << 8) | buf[o + 2])
            }
            events.push({ name: 'band_powers', atSample: count, value: bands })
          }
          break
        default:
          break
      }
    }
    p += vlength
  }
  return count
}

/** Wraps a payload into a packet (for emulators and tests). */
export function encodeThinkGearPacket(payload: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(payload.length + 4)
  out[0] = THINKGEAR_SYNC
  out[1] = THINKGEAR_SYNC
  out[2] = payload.length
  for (let k = 0; k < payload.length; k++) out[3 + k] = payload[k]
  out[3 + payload.length] = thinkGearChecksum(payload)
  return out
}

/** The raw-wave packet a MindWave sends 512 times a second. */
export function encodeThinkGearRaw(raw: number): Uint8Array {
  const v = Math.max(-32768, Math.min(32767, Math.round(raw))) & 0xffff
  return encodeThinkGearPacket([THINKGEAR_CODES.rawWave, 2, v >> 8, v & 0xff])
}

/** The once-a-second packet: poor signal, eSense values and ASIC band powers. */
export function encodeThinkGearMetrics(poorSignal: number, attention: number, meditation: number, bands: readonly number[]): Uint8Array {
  const payload = [THINKGEAR_CODES.poorSignal, poorSignal & 0xff, THINKGEAR_CODES.asicEegPower, 24]
  for (let b = 0; b < 8; b++) {
    const v = Math.max(0, Math.min(0xffffff, Math.round(bands[b] ?? 0)))
    payload.push(v >> 16, (v >> 8) & 0xff, v & 0xff)
  }
  payload.push(THINKGEAR_CODES.attention, attention & 0xff, THINKGEAR_CODES.meditation, meditation & 0xff)
  return encodeThinkGearPacket(payload)
}
