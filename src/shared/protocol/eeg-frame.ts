/**
 * The binary form of a client's `eeg.samples` message, for producers at high rates: parsing JSON
 * numbers costs more than storing them (bench/fanout), a Float32 frame almost nothing. Layout, all
 * little-endian:
 *
 *   0  'VGE1'                      magic: Vigil EEG frame, layout version 1
 *   4  u32  headerBytes            length of the ASCII JSON header that follows
 *   8  header                      {"seq", "firstSampleSeq", "sampleCount", "channelCount"} (eegFrameHeaderSchema)
 *   …  zero padding to the next multiple of 8 (from the frame start)
 *   …  f64 × sampleCount           tMs, UTC epoch milliseconds
 *   …  f32 × sampleCount × channelCount   samplesUv, sample-major (all channels of sample 0, then sample 1, …)
 *
 * The frame must end exactly there. It means the same as the JSON message and gets the same `ack`.
 */
import { z } from 'zod'
import { MAX_EPOCH_MS } from '../schemas/common'
import { clientSeqSchema, MAX_EEG_CHANNELS, MAX_EEG_SAMPLES_PER_MESSAGE } from './common'

export const EEG_FRAME_MAGIC = 'VGE1'

export const eegFrameHeaderSchema = z.strictObject({
  seq: clientSeqSchema,
  firstSampleSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER - MAX_EEG_SAMPLES_PER_MESSAGE),
  sampleCount: z.number().int().min(1).max(MAX_EEG_SAMPLES_PER_MESSAGE),
  channelCount: z.number().int().min(1).max(MAX_EEG_CHANNELS)
})
export type EegFrameHeader = z.infer<typeof eegFrameHeaderSchema>

export interface EegFrame extends EegFrameHeader {
  tMs: Float64Array
  samplesUv: Float32Array
}

export type EegFrameResult = { ok: true; frame: EegFrame } | { ok: false; message: string; seq: number | null }

const MAX_HEADER_BYTES = 1024

function seqOf(value: unknown): number | null {
  return typeof value === 'object' && value !== null && typeof (value as { seq?: unknown }).seq === 'number' ? (value as { seq: number }).seq : null
}

function padTo8(n: number): number {
  return Math.ceil(n / 8) * 8
}

/** Reads a binary EEG frame; never throws. The typed arrays are fresh copies (aligned, owned). */
export function decodeEegFrame(bytes: Uint8Array): EegFrameResult {
  if (bytes.length < 8) return { ok: false, message: 'Binary frame shorter than its 8-byte preamble', seq: null }
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3])
  if (magic !== EEG_FRAME_MAGIC) return { ok: false, message: `Binary frame starts with "${magic}", expected "${EEG_FRAME_MAGIC}"`, seq: null }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerBytes = view.getUint32(4, true)
  if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > bytes.length) return { ok: false, message: `Binary frame header length ${headerBytes} is out of range`, seq: null }
  let text = ''
  for (let i = 8; i < 8 + headerBytes; i++) text += String.fromCharCode(bytes[i])
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, message: 'Binary frame header is not valid JSON', seq: null }
  }
  const parsed = eegFrameHeaderSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, message: `Binary frame header: ${issue.path.join('.') || '(root)'}: ${issue.message}`, seq: seqOf(raw) }
  }
  const header = parsed.data
  const n = header.sampleCount
  const c = header.channelCount
  const dataStart = padTo8(8 + headerBytes)
  const expected = dataStart + n * 8 + n * c * 4
  if (bytes.length !== expected) {
    return { ok: false, message: `Binary frame is ${bytes.length} bytes; ${n} samples × ${c} channels need ${expected}`, seq: header.seq }
  }
  const tMs = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t = view.getFloat64(dataStart + i * 8, true)
    if (!Number.isFinite(t) || t < 0 || t > MAX_EPOCH_MS) return { ok: false, message: `tMs[${i}] is ${t}, expected UTC epoch milliseconds`, seq: header.seq }
    tMs[i] = t
  }
  const valuesStart = dataStart + n * 8
  const samplesUv = new Float32Array(n * c)
  for (let k = 0; k < n * c; k++) {
    const v = view.getFloat32(valuesStart + k * 4, true)
    if (!Number.isFinite(v)) return { ok: false, message: `samplesUv[${Math.floor(k / c)}][${k % c}] is ${v}, expected a finite number`, seq: header.seq }
    samplesUv[k] = v
  }
  return { ok: true, frame: { ...header, tMs, samplesUv } }
}

/** Builds a binary EEG frame (for producers written in TypeScript: scripts, tests, benchmarks). */
export function encodeEegFrame(header: Omit<EegFrameHeader, 'sampleCount' | 'channelCount'>, tMs: ArrayLike<number>, samplesUv: ArrayLike<number>, channelCount: number): Uint8Array {
  const n = tMs.length
  const json = JSON.stringify({ seq: header.seq, firstSampleSeq: header.firstSampleSeq, sampleCount: n, channelCount })
  const dataStart = padTo8(8 + json.length)
  const bytes = new Uint8Array(dataStart + n * 8 + n * channelCount * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < 4; i++) bytes[i] = EEG_FRAME_MAGIC.charCodeAt(i)
  view.setUint32(4, json.length, true)
  for (let i = 0; i < json.length; i++) bytes[8 + i] = json.charCodeAt(i)
  for (let i = 0; i < n; i++) view.setFloat64(dataStart + i * 8, tMs[i], true)
  const valuesStart = dataStart + n * 8
  for (let k = 0; k < n * channelCount; k++) view.setFloat32(valuesStart + k * 4, samplesUv[k], true)
  return bytes
}
