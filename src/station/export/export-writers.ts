/**
 * One writer per row of `shared/export-formats.ts`: what files a format makes of a scanned session.
 * Writers only describe files; the bytes are produced when the caller pulls `chunks()`.
 */
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/export-formats'
import { buildBidsLayout } from './bids-writer'
import { type PlacedEvent, writeEventsCsv, writeSamplesCsv } from './csv-writer'
import { encodeEdf, planEdf, type EdfFlavour, type EdfGapMode, type EdfInput } from './edf-writer'
import { writeFatigueCsv, writeFatigueTsv } from './fatigue-table'
import type { ExportSessionInfo, FatigueRow } from './session-reader'
import type { SampleBatch, SampleTimeline } from './timeline'
import { zipStream } from './zip-stream'

export interface ExportFile {
  name: string
  contentType: string
  /** Exact size when known before writing (EDF/BDF), else null. */
  sizeBytes: number | null
  chunks(): Generator<Uint8Array>
}

export interface ExportWriterOptions {
  /** Mains frequency of the recording site (BIDS PowerLineFrequency). */
  powerLineHz: number
  vigilVersion: string
  /** Data file inside a BIDS export (default BDF, which keeps 24-bit resolution). */
  bidsEegFormat?: EdfFlavour
  /**
   * Records without samples in BDF/EDF: left out (+D, the default for bdf/edf) or written as 0 µV
   * (+C, the default inside BIDS, whose tools read +D files as if continuous).
   */
  gaps?: EdfGapMode
}

/** A session after the first pass: what every writer starts from. */
export interface ScannedSession {
  info: ExportSessionInfo
  timeline: SampleTimeline
  events: PlacedEvent[]
  /** UTC epoch ms of the first sample. */
  firstTimestampMs: number
  /** `vigil_sub-<participant>_ses-<n>`: the stem of every file name. */
  baseName: string
  hasFatigue: boolean
  /** The second pass: exactly the sample rows of the first. */
  samples(): Generator<SampleBatch>
  /** Exactly the fatigue rows present at the first pass. */
  fatigueRows(): Iterable<FatigueRow>
  /** Set by deidentify.ts: dates shifted, ages binned, free text dropped (writers say so where they can). */
  deidentified?: boolean
}

export type ExportWriter = (session: ScannedSession, options: ExportWriterOptions) => ExportFile[]

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8'

function edfFile(session: ScannedSession, flavour: EdfFlavour, name: string, gaps: EdfGapMode): { file: ExportFile; isDiscontinuous: boolean } {
  const { info } = session
  const input: EdfInput = {
    patientCode: info.participantCode,
    adminCode: info.id,
    technician: 'X',
    equipment: `Vigil_${info.device.kind}`,
    channelLabels: info.device.channelNames,
    prefiltering: info.device.prefiltering ?? 'None',
    transducer: '',
    timeline: session.timeline,
    gaps,
    annotations: session.events.map((e) => ({ onsetS: e.onsetS, durationS: e.durationS, text: e.text }))
  }
  const plan = planEdf(input, flavour)
  const file = { name, contentType: EXPORT_FORMATS[flavour].contentType, sizeBytes: plan.totalBytes, chunks: () => encodeEdf(input, plan, session.samples()) }
  return { file, isDiscontinuous: plan.isDiscontinuous }
}

function edfWriter(flavour: EdfFlavour): ExportWriter {
  return (session, options) => [edfFile(session, flavour, `${session.baseName}.${EXPORT_FORMATS[flavour].extension}`, options.gaps ?? 'discontinuous').file]
}

const writeCsv: ExportWriter = (session) => {
  const { baseName, timeline } = session
  return [
    { name: `${baseName}_samples.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeSamplesCsv(session.info.device.channelNames, timeline, session.samples()) },
    { name: `${baseName}_events.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeEventsCsv(session.events) },
    { name: `${baseName}_fatigue.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeFatigueCsv(session.fatigueRows(), timeline) }
  ]
}

const writeBids: ExportWriter = (session, options) => {
  const { info, timeline, firstTimestampMs } = session
  const { sampleRateHz } = info.device
  const eegFormat = options.bidsEegFormat ?? 'bdf'
  const eeg = edfFile(session, eegFormat, '', options.gaps ?? 'fill')
  const layout = buildBidsLayout({
    info,
    eegFormat,
    sampleRateHz,
    recordingDurationS: timeline.slotCount / sampleRateHz,
    isDiscontinuous: eeg.isDiscontinuous,
    firstTimestampMs,
    events: session.events,
    hasFatigue: session.hasFatigue,
    powerLineHz: options.powerLineHz,
    vigilVersion: options.vigilVersion,
    isDeidentified: session.deidentified ?? false
  })
  const encoder = new TextEncoder()
  const mtime = new Date(firstTimestampMs)
  return [
    {
      name: `${layout.root}.${EXPORT_FORMATS.bids.extension}`,
      contentType: EXPORT_FORMATS.bids.contentType,
      sizeBytes: null,
      chunks: () =>
        zipStream(
          [
            ...layout.files.map((f) => ({ name: f.path, data: [encoder.encode(f.text)], compress: true })),
            ...(layout.fatiguePath ? [{ name: layout.fatiguePath, data: writeFatigueTsv(session.fatigueRows(), timeline), compress: true }] : []),
            { name: layout.eegPath, data: eeg.file.chunks(), compress: false }
          ],
          mtime
        )
    }
  ]
}

export const EXPORT_WRITERS = {
  bdf: edfWriter('bdf'),
  edf: edfWriter('edf'),
  csv: writeCsv,
  bids: writeBids
} satisfies Record<ExportFormat, ExportWriter>
