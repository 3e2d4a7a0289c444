/**
 * Turns station rows into what PostgreSQL ingests: a binary COPY stream (no number-to-text work, exact
 * float bits) or per-column arrays for `INSERT ... SELECT FROM unnest(...)`. Both take the same row
 * values, so the sync engine can use either and the benchmark can compare them on the same rows.
 */

/** Column types the central schema uses, with the JS value each one takes. */
export type CentralType =
  | 'uuid' // string
  | 'int8' // safe integer
  | 'int4' // integer
  | 'bool' // boolean
  | 'float8' // number
  | 'text' // string
  | 'jsonb' // JSON text
  | 'timestamptz' // integer microseconds since the Unix epoch
  | 'float4le[]' // Buffer of little-endian float32 values (the station's storage format) → real[]

export interface CentralColumn {
  name: string
  type: CentralType
  nullable?: boolean
}

/** A row that cannot be encoded: quarantined instead of sent. */
export class RowEncodeError extends Error {}

const PG_EPOCH_US = 946_684_800_000_000 // 2000-01-01T00:00:00Z in Unix microseconds
const FLOAT4_OID = 700
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')

/** Growable big-endian byte writer (Buffer.alloc per value would dominate the cost). */
class ByteWriter {
  buf: Buffer
  pos = 0

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  int16(v: number): void {
    this.ensure(2)
    this.pos = this.buf.writeInt16BE(v, this.pos)
  }

  int32(v: number): void {
    this.ensure(4)
    this.pos = this.buf.writeInt32BE(v, this.pos)
  }

  /** A safe integer as int64 without BigInt (two 32-bit halves; floor keeps negatives right). */
  int64(v: number): void {
    this.ensure(8)
    const hi = Math.floor(v / 4294967296)
    this.buf.writeInt32BE(hi, this.pos)
    this.buf.writeUInt32BE(v - hi * 4294967296, this.pos + 4)
    this.pos += 8
  }

  bytes(b: Buffer): void {
    this.ensure(b.length)
    b.copy(this.buf, this.pos)
    this.pos += b.length
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

let lastUuidText = ''
let lastUuidBytes = Buffer.alloc(16)

function uuidBytes(text: string): Buffer {
  // EEG batches repeat one session id thousands of times.
  if (text === lastUuidText) return lastUuidBytes
  if (!UUID_PATTERN.test(text)) throw new RowEncodeError(`not a UUID: ${JSON.stringify(text).slice(0, 60)}`)
  lastUuidBytes = Buffer.from(text.replace(/-/g, ''), 'hex')
  lastUuidText = text
  return lastUuidBytes
}

function checkFloat4Blob(value: unknown): Buffer {
  if (!Buffer.isBuffer(value) || value.length === 0 || value.length % 4 !== 0) {
    throw new RowEncodeError(`channel values must be a non-empty float32 blob, got ${Buffer.isBuffer(value) ? `${value.length} bytes` : typeof value}`)
  }
  return value
}

function checkInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new RowEncodeError(`${what} must be an integer, got ${String(value)}`)
  return value
}

function writeField(w: ByteWriter, col: CentralColumn, value: unknown): void {
  if (value === null || value === undefined) {
    if (!col.nullable) throw new RowEncodeError(`${col.name} must not be null`)
    w.int32(-1)
    return
  }
  switch (col.type) {
    case 'uuid':
      w.int32(16)
      w.bytes(uuidBytes(String(value)))
      return
    case 'int8':
      w.int32(8)
      w.int64(checkInteger(value, col.name))
      return
    case 'int4':
      w.int32(4)
      w.int32(checkInteger(value, col.name))
      return
    case 'bool':
      w.int32(1)
      w.ensure(1)
      w.buf[w.pos++] = value ? 1 : 0
      return
    case 'float8':
      if (typeof value !== 'number') throw new RowEncodeError(`${col.name} must be a number`)
      w.int32(8)
      w.ensure(8)
      w.pos = w.buf.writeDoubleBE(value, w.pos)
      return
    case 'timestamptz':
      w.int32(8)
      w.int64(checkInteger(value, col.name) - PG_EPOCH_US)
      return
    case 'text': {
      const len = Buffer.byteLength(String(value))
      w.int32(len)
      w.ensure(len)
      w.pos += w.buf.write(String(value), w.pos)
      return
    }
    case 'jsonb': {
      // Binary jsonb is a version byte (1) followed by the JSON text; the server validates it.
      const len = Buffer.byteLength(String(value))
      w.int32(len + 1)
      w.ensure(len + 1)
      w.buf[w.pos++] = 1
      w.pos += w.buf.write(String(value), w.pos)
      return
    }
    case 'float4le[]': {
      const blob = checkFloat4Blob(value)
      const n = blob.length / 4
      w.int32(20 + n * 8)
      w.int32(1) // dimensions
      w.int32(0) // has nulls
      w.int32(FLOAT4_OID)
      w.int32(n)
      w.int32(1) // lower bound
      w.ensure(n * 8)
      const out = w.buf
      let p = w.pos
      for (let i = 0; i < blob.length; i += 4) {
        out.writeInt32BE(4, p)
        // little-endian → network order, bits untouched (NaN payloads and -0 survive).
        out[p + 4] = blob[i + 3]
        out[p + 5] = blob[i + 2]
        out[p + 6] = blob[i + 1]
        out[p + 7] = blob[i]
        p += 8
      }
      w.pos = p
      return
    }
  }
}

/**
 * Encodes rows as one complete `COPY ... FROM STDIN (FORMAT binary)` payload.
 * Throws `RowEncodeError` (with `rowIndex`) on the first row that cannot be encoded.
 */
export function encodeCopyBinary(columns: readonly CentralColumn[], rows: readonly unknown[][]): Buffer {
  const w = new ByteWriter(64 + rows.length * (16 + columns.length * 24))
  w.bytes(COPY_SIGNATURE)
  w.int32(0) // flags
  w.int32(0) // header extension length
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    w.int16(columns.length)
    try {
      for (let c = 0; c < columns.length; c++) writeField(w, columns[c], row[c])
    } catch (err) {
      if (err instanceof RowEncodeError) throw Object.assign(err, { rowIndex: r })
      throw err
    }
  }
  w.int16(-1)
  return w.result()
}

/** Checks one row the way `encodeCopyBinary` would, without keeping the bytes. */
export function checkRow(columns: readonly CentralColumn[], row: readonly unknown[]): void {
  const w = new ByteWriter(256)
  for (let c = 0; c < columns.length; c++) writeField(w, columns[c], row[c])
}

const UNNEST_PARAM_TYPE: Record<CentralType, string> = {
  uuid: 'uuid[]',
  int8: 'int8[]',
  int4: 'int4[]',
  bool: 'bool[]',
  float8: 'float8[]',
  text: 'text[]',
  jsonb: 'text[]',
  timestamptz: 'float8[]',
  'float4le[]': 'text[]'
}

function unnestSelectExpr(col: CentralColumn, alias: string): string {
  if (col.type === 'jsonb') return `${alias}::jsonb`
  if (col.type === 'float4le[]') return `${alias}::real[]`
  // Seconds as float8 are exact to the microsecond for dates in this era (|error| < 0.12 µs).
  if (col.type === 'timestamptz') return `to_timestamp(${alias})`
  return alias
}

function float4BlobLiteral(blob: Buffer): string {
  const parts: string[] = []
  for (let i = 0; i < blob.length; i += 4) {
    const v = blob.readFloatLE(i)
    // Shortest double text of a float32 value parses back to the same float32.
    parts.push(Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : String(v))
  }
  return `{${parts.join(',')}}`
}

/** `SELECT ... FROM unnest($1::t[], ...)` over the columns, and the array parameters for the rows. */
export function buildUnnestSelect(columns: readonly CentralColumn[], rows: readonly unknown[][]): { sql: string; params: unknown[][] } {
  const params = columns.map(() => Array.from<unknown>({ length: rows.length }))
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    try {
      for (let c = 0; c < columns.length; c++) {
        const col = columns[c]
        const v = row[c]
        if (v === null || v === undefined) {
          if (!col.nullable) throw new RowEncodeError(`${col.name} must not be null`)
          params[c][r] = null
        } else if (col.type === 'float4le[]') params[c][r] = float4BlobLiteral(checkFloat4Blob(v))
        else if (col.type === 'timestamptz') params[c][r] = checkInteger(v, col.name) / 1e6
        else if (col.type === 'uuid') params[c][r] = uuidBytes(String(v)) && v
        else if (col.type === 'int8' || col.type === 'int4') params[c][r] = checkInteger(v, col.name)
        else params[c][r] = v
      }
    } catch (err) {
      if (err instanceof RowEncodeError) throw Object.assign(err, { rowIndex: r })
      throw err
    }
  }
  const aliases = columns.map((_, i) => `c${i}`)
  const sql =
    `SELECT ${columns.map((col, i) => unnestSelectExpr(col, aliases[i])).join(', ')} ` +
    `FROM unnest(${columns.map((col, i) => `$${i + 1}::${UNNEST_PARAM_TYPE[col.type]}`).join(', ')}) AS u(${aliases.join(', ')})`
  return { sql, params }
}
