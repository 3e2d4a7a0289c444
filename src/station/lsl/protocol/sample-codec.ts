/**
 * Sample encoding of LSL data protocol 1.10: one tag byte (1 = timestamp deduced by the
 * receiver from the previous one + 1/srate, 2 = an 8-byte double follows), then the values
 * in the negotiated byte order. Strings carry a length whose own width comes first
 * (1, then a u8; 4, then a u32; 8, then a u64).
 */
import { VALUE_BYTES, type ChannelFormat } from './stream-info'

export const TAG_DEDUCED_TIMESTAMP = 1
export const TAG_TRANSMITTED_TIMESTAMP = 2

export type SampleValues = number[] | string[]

export interface LslSample {
  /** LSL clock seconds of the sender; `null` when deduced (only in `encodeSample` input). */
  timestamp: number | null
  values: SampleValues
}

export class SampleCodecError extends Error {}

function checkCount(values: SampleValues, channelCount: number): void {
  if (values.length !== channelCount) {
    throw new SampleCodecError(`a sample needs ${channelCount} values, got ${values.length}`)
  }
}

export function encodedSize(format: ChannelFormat, channelCount: number, sample: LslSample): number {
  const header = sample.timestamp === null ? 1 : 9
  if (format !== 'string') return header + VALUE_BYTES[format] * channelCount
  let size = header
  for (const s of sample.values as string[]) {
    const len = Buffer.byteLength(s, 'utf8')
    size += (len <= 0xff ? 2 : 5) + len
  }
  return size
}

/** Writes a sample at `offset`; returns the offset after it. */
export function writeSample(
  target: Buffer,
  offset: number,
  format: ChannelFormat,
  channelCount: number,
  sample: LslSample,
  littleEndian = true
): number {
  checkCount(sample.values, channelCount)
  let o = offset
  if (sample.timestamp === null) {
    target[o++] = TAG_DEDUCED_TIMESTAMP
  } else {
    target[o++] = TAG_TRANSMITTED_TIMESTAMP
    o = littleEndian ? target.writeDoubleLE(sample.timestamp, o) : target.writeDoubleBE(sample.timestamp, o)
  }
  const values = sample.values
  switch (format) {
    case 'float32':
      for (const v of values as number[]) o = littleEndian ? target.writeFloatLE(v, o) : target.writeFloatBE(v, o)
      break
    case 'double64':
      for (const v of values as number[]) o = littleEndian ? target.writeDoubleLE(v, o) : target.writeDoubleBE(v, o)
      break
    case 'int32':
      for (const v of values as number[]) o = littleEndian ? target.writeInt32LE(clampInt(v, 32), o) : target.writeInt32BE(clampInt(v, 32), o)
      break
    case 'int16':
      for (const v of values as number[]) o = littleEndian ? target.writeInt16LE(clampInt(v, 16), o) : target.writeInt16BE(clampInt(v, 16), o)
      break
    case 'int8':
      for (const v of values as number[]) o = target.writeInt8(clampInt(v, 8), o)
      break
    case 'int64':
      for (const v of values as number[]) {
        const big = BigInt(Math.trunc(v))
        o = littleEndian ? target.writeBigInt64LE(big, o) : target.writeBigInt64BE(big, o)
      }
      break
    case 'string':
      for (const v of values as string[]) {
        const bytes = Buffer.from(String(v), 'utf8')
        if (bytes.length <= 0xff) {
          target[o++] = 1
          target[o++] = bytes.length
        } else {
          target[o++] = 4
          o = littleEndian ? target.writeUInt32LE(bytes.length, o) : target.writeUInt32BE(bytes.length, o)
        }
        o += bytes.copy(target, o)
      }
      break
  }
  return o
}

/** Integers are truncated and saturated, as a C++ cast of an in-range double would be. */
function clampInt(value: number, bits: 8 | 16 | 32): number {
  if (!Number.isFinite(value)) throw new SampleCodecError(`cannot send ${value} in an int${bits} channel`)
  const max = 2 ** (bits - 1) - 1
  return Math.max(-max - 1, Math.min(max, Math.trunc(value)))
}

export function encodeSample(format: ChannelFormat, channelCount: number, sample: LslSample, littleEndian = true): Buffer {
  const buf = Buffer.allocUnsafe(encodedSize(format, channelCount, sample))
  writeSample(buf, 0, format, channelCount, sample, littleEndian)
  return buf
}

export interface DecodedSample {
  /** Transmitted timestamp, or null for a deduced one (the caller knows the previous stamp). */
  timestamp: number | null
  values: SampleValues
  /** Offset just after the sample. */
  end: number
}

/**
 * Reads one sample starting at `offset`, or returns null when the buffer ends inside it
 * (the caller waits for more bytes). A corrupt length width is an error.
 */
export function readSample(
  source: Buffer,
  offset: number,
  format: ChannelFormat,
  channelCount: number,
  littleEndian = true
): DecodedSample | null {
  let o = offset
  if (o >= source.length) return null
  const tag = source[o++]
  let timestamp: number | null = null
  if (tag !== TAG_DEDUCED_TIMESTAMP) {
    if (tag !== TAG_TRANSMITTED_TIMESTAMP) throw new SampleCodecError(`corrupt stream: sample tag ${tag}`)
    if (o + 8 > source.length) return null
    timestamp = littleEndian ? source.readDoubleLE(o) : source.readDoubleBE(o)
    o += 8
  }
  if (format === 'string') {
    const values: string[] = []
    for (let k = 0; k < channelCount; k++) {
      if (o >= source.length) return null
      const width = source[o++]
      let len: number
      if (o + (width ?? 0) > source.length) return null
      if (width === 1) len = source[o]!
      else if (width === 2) len = littleEndian ? source.readUInt16LE(o) : source.readUInt16BE(o)
      else if (width === 4) len = littleEndian ? source.readUInt32LE(o) : source.readUInt32BE(o)
      else if (width === 8) len = Number(littleEndian ? source.readBigUInt64LE(o) : source.readBigUInt64BE(o))
      else throw new SampleCodecError(`corrupt stream: string length width ${width}`)
      o += width
      if (o + len > source.length) return null
      values.push(source.toString('utf8', o, o + len))
      o += len
    }
    return { timestamp, values, end: o }
  }
  const size = VALUE_BYTES[format]
  if (o + size * channelCount > source.length) return null
  const values: number[] = Array.from({ length: channelCount }, () => 0)
  for (let k = 0; k < channelCount; k++, o += size) {
    switch (format) {
      case 'float32':
        values[k] = littleEndian ? source.readFloatLE(o) : source.readFloatBE(o)
        break
      case 'double64':
        values[k] = littleEndian ? source.readDoubleLE(o) : source.readDoubleBE(o)
        break
      case 'int32':
        values[k] = littleEndian ? source.readInt32LE(o) : source.readInt32BE(o)
        break
      case 'int16':
        values[k] = littleEndian ? source.readInt16LE(o) : source.readInt16BE(o)
        break
      case 'int8':
        values[k] = source.readInt8(o)
        break
      case 'int64':
        values[k] = Number(littleEndian ? source.readBigInt64LE(o) : source.readBigInt64BE(o))
        break
    }
  }
  return { timestamp, values, end: o }
}

/** The timestamp liblsl gives both handshake test samples. */
export const TEST_PATTERN_TIMESTAMP = 123456.789

/**
 * The two test samples (offsets 4 then 2) an outlet sends after the feed header so the inlet
 * can verify that both sides agree on the encoding.
 */
export function testPatternSample(format: ChannelFormat, channelCount: number, offset: number): LslSample {
  const values: (number | string)[] = []
  const base: Record<ChannelFormat, number> = {
    float32: 0,
    double64: 16777217,
    int32: 65537,
    int16: 257,
    int8: 1,
    int64: 2147483649,
    string: 0
  }
  const intMax: Partial<Record<ChannelFormat, number>> = { int32: 2 ** 31 - 1, int16: 2 ** 15 - 1, int8: 2 ** 7 - 1 }
  for (let k = 0; k < channelCount; k++) {
    if (format === 'string') {
      values.push(String((k + 10) * (k % 2 === 0 ? 1 : -1)))
      continue
    }
    let v = k + offset + base[format]
    const max = intMax[format]
    if (max !== undefined) v %= max
    values.push(k % 2 === 0 ? v : -v)
  }
  return { timestamp: TEST_PATTERN_TIMESTAMP, values: values as SampleValues }
}
