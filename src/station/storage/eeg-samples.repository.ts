/**
 * The `eeg_samples` table: one row per sample, its channel values in `values_f32` as little-endian
 * float32 (4 bytes × channels, in the headset's channel order). The only place that writes the table,
 * reads it by session, or knows the blob layout; sync reads it by local id through `EEG_SYNC_SELECT`
 * and ships the blob unchanged (PostgreSQL `float4le[]`, see sync/pg-encoding.ts).
 */
import { endianness } from 'node:os'
import { VigilError } from '../../shared/errors'
import type { SampleBlock } from '../devices/types'
import type { LocalDatabase } from './database'

/** Sync's read of new rows: `id > ?` ordered by id, `LIMIT ?`, raw rows with the id first. */
export const EEG_SYNC_SELECT = 'SELECT id, session_id, t_ms, seq, values_f32 FROM eeg_samples WHERE id > ? ORDER BY id LIMIT ?'

/** Every row, for content checksums. */
export const EEG_CHECKSUM_SELECT = 'SELECT id, session_id, seq, t_ms, values_f32 FROM eeg_samples'

/** A stored row as read: `[seq, tMs, values_f32]`. */
export type EegRow = [seq: number, tMs: number, blob: Buffer]

/** Stored samples in `seq` order, values interleaved [sample][channel] in µV. */
export interface EegPage {
  seqs: Float64Array
  timestampsMs: Float64Array
  valuesUv: Float32Array
}

const IS_LITTLE_ENDIAN = endianness() === 'LE'

/** One sample's values as stored: a view on `values`, no copy. */
export function encodeSampleBlob(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}

/** One stored sample's values; copied, as a Buffer's offset need not be 4-byte aligned. */
export function decodeSampleBlob(blob: Buffer): Float32Array {
  return new Float32Array(new Uint8Array(blob).buffer)
}

/** One stored sample's values as plain numbers, byte order spelled out. */
export function blobValues(blob: Buffer): number[] {
  const out: number[] = []
  for (let i = 0; i < blob.length; i += 4) out.push(blob.readFloatLE(i))
  return out
}

export function channelCountOfBlob(blob: Buffer): number {
  return blob.byteLength / 4
}

export interface EegSamplesRepository {
  /** Writes a block as one row per sample; sequences already stored are ignored. Call inside the caller's transaction. */
  insertBlock(sessionId: string, block: SampleBlock): void
  /** Highest stored sequence of the session, null when it has none. */
  lastSeq(sessionId: string): number | null
  count(sessionId: string): number
  /** Up to `limit` rows with `afterSeq < seq <= throughSeq`, in `seq` order; each call is one complete statement. */
  rows(sessionId: string, afterSeq: number, throughSeq: number, limit: number): EegRow[]
  /**
   * The same rows decoded into one page of `channelCount` channels; null when there are none. A row of
   * another width is an error: a session's layout is fixed when it starts recording.
   */
  page(sessionId: string, afterSeq: number, throughSeq: number, limit: number, channelCount: number): EegPage | null
}

export function createEegSamplesRepository(db: LocalDatabase): EegSamplesRepository {
  const insert = db.prepare('INSERT OR IGNORE INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, ?, ?, ?)')
  const maxSeq = db.prepare('SELECT max(seq) FROM eeg_samples WHERE session_id = ?').pluck()
  const count = db.prepare('SELECT count(*) FROM eeg_samples WHERE session_id = ?').pluck()
  const range = db.prepare('SELECT seq, t_ms, values_f32 FROM eeg_samples WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?').raw(true)

  function rows(sessionId: string, afterSeq: number, throughSeq: number, limit: number): EegRow[] {
    return range.all(sessionId, afterSeq, throughSeq, limit) as EegRow[]
  }

  return {
    insertBlock(sessionId, block) {
      const n = block.timestampsMs.length
      const stride = block.channelCount
      for (let i = 0; i < n; i++) {
        insert.run(sessionId, block.firstSeq + i, block.timestampsMs[i], encodeSampleBlob(block.samplesUv.subarray(i * stride, (i + 1) * stride)))
      }
    },
    lastSeq: (sessionId) => (maxSeq.get(sessionId) as number | null) ?? null,
    count: (sessionId) => count.get(sessionId) as number,
    rows,
    page(sessionId, afterSeq, throughSeq, limit, channelCount) {
      const found = rows(sessionId, afterSeq, throughSeq, limit)
      const n = found.length
      if (n === 0) return null
      const rowBytes = channelCount * 4
      const page: EegPage = { seqs: new Float64Array(n), timestampsMs: new Float64Array(n), valuesUv: new Float32Array(n * channelCount) }
      const bytes = new Uint8Array(page.valuesUv.buffer)
      for (let i = 0; i < n; i++) {
        const [seq, tMs, blob] = found[i]
        if (blob.length !== rowBytes) throw new VigilError('INTERNAL', `sample ${seq} has ${blob.length} bytes, expected ${rowBytes} for ${channelCount} channels`)
        page.seqs[i] = seq
        page.timestampsMs[i] = tMs
        if (IS_LITTLE_ENDIAN) bytes.set(blob, i * rowBytes)
        else for (let c = 0; c < channelCount; c++) page.valuesUv[i * channelCount + c] = blob.readFloatLE(c * 4)
      }
      return page
    }
  }
}
