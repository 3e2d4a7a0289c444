/**
 * A small EDF/EDF+/BDF/BDF+ reader for tests, written from the format specifications
 * (edfplus.info "EDF+ specs" and the BioSemi BDF notes), sharing no code with the writer.
 * It reads a whole file from memory and checks what it parses.
 */

export interface EdfSignalHeader {
  label: string
  transducer: string
  physicalDimension: string
  physicalMin: number
  physicalMax: number
  digitalMin: number
  digitalMax: number
  prefiltering: string
  samplesPerRecord: number
}

export interface EdfHeader {
  isBdf: boolean
  version: string
  patient: string
  recording: string
  startDate: string
  startTime: string
  headerBytes: number
  reserved: string
  recordCount: number
  recordDurationS: number
  signalCount: number
  signals: EdfSignalHeader[]
}

export interface EdfTal {
  onsetS: number
  durationS: number | null
  texts: string[]
}

export interface EdfRecord {
  /** From the record's time-keeping TAL (EDF+/BDF+), seconds after the header start time. */
  startS: number
  /** Physical values per ordinary (non-annotation) signal. */
  values: number[][]
  /** Every TAL after the time-keeping one. */
  tals: EdfTal[]
}

export interface EdfFile {
  header: EdfHeader
  records: EdfRecord[]
}

function text(buf: Buffer, start: number, length: number): string {
  return buf.toString('latin1', start, start + length).trimEnd()
}

function num(buf: Buffer, start: number, length: number, what: string): number {
  const raw = text(buf, start, length).trim()
  const value = Number(raw)
  if (raw === '' || !Number.isFinite(value)) throw new Error(`EDF header field ${what} is not a number: "${raw}"`)
  return value
}

export function parseEdfHeader(buf: Buffer): EdfHeader {
  const isBdf = buf[0] === 0xff
  const version = isBdf ? buf.toString('latin1', 1, 8) : text(buf, 0, 8)
  const signalCount = num(buf, 252, 4, 'ns')
  const header: EdfHeader = {
    isBdf,
    version,
    patient: text(buf, 8, 80),
    recording: text(buf, 88, 80),
    startDate: text(buf, 168, 8),
    startTime: text(buf, 176, 8),
    headerBytes: num(buf, 184, 8, 'header bytes'),
    reserved: text(buf, 192, 44),
    recordCount: num(buf, 236, 8, 'number of records'),
    recordDurationS: num(buf, 244, 8, 'record duration'),
    signalCount,
    signals: []
  }
  // Per-signal fields are stored field by field: all labels, then all transducers, ...
  const widths = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32]
  const columns: string[][] = []
  let at = 256
  for (const width of widths) {
    const column: string[] = []
    for (let s = 0; s < signalCount; s++) column.push(text(buf, at + s * width, width))
    columns.push(column)
    at += width * signalCount
  }
  for (let s = 0; s < signalCount; s++) {
    const asNumber = (col: number, what: string) => {
      const v = Number(columns[col][s].trim())
      if (!Number.isFinite(v) || columns[col][s].trim() === '') throw new Error(`signal ${s} ${what} is not a number`)
      return v
    }
    header.signals.push({
      label: columns[0][s],
      transducer: columns[1][s],
      physicalDimension: columns[2][s],
      physicalMin: asNumber(3, 'physical min'),
      physicalMax: asNumber(4, 'physical max'),
      digitalMin: asNumber(5, 'digital min'),
      digitalMax: asNumber(6, 'digital max'),
      prefiltering: columns[7][s],
      samplesPerRecord: asNumber(8, 'samples per record')
    })
  }
  if (at !== header.headerBytes) throw new Error(`header size field says ${header.headerBytes}, signals end at ${at}`)
  return header
}

function isAnnotationSignal(label: string): boolean {
  return label === 'EDF Annotations' || label === 'BDF Annotations'
}

/** Splits an annotation signal's bytes into TALs: +onset[\x15duration]\x14text\x14...\x14\x00 */
export function parseTals(bytes: Buffer): EdfTal[] {
  const tals: EdfTal[] = []
  let start = 0
  while (start < bytes.length) {
    const end = bytes.indexOf(0, start)
    if (end < 0 || end === start) break
    const tal = bytes.toString('utf8', start, end)
    const parts = tal.split('\u0014')
    if (parts[parts.length - 1] !== '') throw new Error(`TAL does not end with 0x14: ${JSON.stringify(tal)}`)
    const [timing, ...texts] = parts.slice(0, -1)
    const [onset, duration] = timing.split('\u0015')
    if (!/^[+-]\d+(\.\d+)?$/.test(onset)) throw new Error(`bad TAL onset ${JSON.stringify(onset)}`)
    if (duration !== undefined && !/^\d+(\.\d+)?$/.test(duration)) throw new Error(`bad TAL duration ${JSON.stringify(duration)}`)
    tals.push({ onsetS: Number(onset), durationS: duration === undefined ? null : Number(duration), texts })
    start = end + 1
    // Unused bytes after the last TAL are zero.
    while (start < bytes.length && bytes[start] === 0) start++
  }
  return tals
}

export function parseEdf(buf: Buffer): EdfFile {
  const header = parseEdfHeader(buf)
  const bytesPerSample = header.isBdf ? 3 : 2
  const recordBytes = header.signals.reduce((sum, s) => sum + s.samplesPerRecord * bytesPerSample, 0)
  const dataBytes = buf.length - header.headerBytes
  if (dataBytes !== recordBytes * header.recordCount) throw new Error(`file has ${dataBytes} data bytes, header promises ${header.recordCount} × ${recordBytes}`)
  const records: EdfRecord[] = []
  for (let r = 0; r < header.recordCount; r++) {
    let at = header.headerBytes + r * recordBytes
    const values: number[][] = []
    let startS = Number.NaN
    const tals: EdfTal[] = []
    for (const signal of header.signals) {
      const size = signal.samplesPerRecord * bytesPerSample
      if (isAnnotationSignal(signal.label)) {
        const parsed = parseTals(buf.subarray(at, at + size))
        if (parsed.length === 0 || parsed[0].texts.length !== 1 || parsed[0].texts[0] !== '') throw new Error(`record ${r} lacks a time-keeping TAL`)
        startS = parsed[0].onsetS
        tals.push(...parsed.slice(1))
      } else {
        const gain = (signal.physicalMax - signal.physicalMin) / (signal.digitalMax - signal.digitalMin)
        const out: number[] = []
        for (let i = 0; i < signal.samplesPerRecord; i++) {
          const o = at + i * bytesPerSample
          const digital = header.isBdf ? buf.readIntLE(o, 3) : buf.readInt16LE(o)
          out.push(signal.physicalMin + (digital - signal.digitalMin) * gain)
        }
        values.push(out)
      }
      at += size
    }
    records.push({ startS, values, tals })
  }
  return { header, records }
}
