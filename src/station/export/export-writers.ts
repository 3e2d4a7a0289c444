/**
 * One writer per row of `shared/export-formats.ts`: what files a format makes of a scanned session.
 * Writers only describe files; the bytes are produced when the caller pulls `chunks()`.
 */
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/export-formats'
import { buildBidsLayout, type LabInfo } from './bids-writer'
import { type PlacedEvent, writeEventsCsv, writeSamplesCsv } from './csv-writer'
import { edfPaddingAnnotation, encodeEdf, PADDING_ANNOTATION, planEdf, type EdfFlavour, type EdfGapMode, type EdfInput, type EdfPlan } from './edf-writer'
import { writeFatigueCsv, writeFatigueTsv } from './fatigue-table'
import { planFacePhysio, writeFacePhysio } from './face-physio'
import { electrodeImpedanceColumn, writeImpedanceCsv, type ExportImpedanceCheck } from './impedance-export'
import type { ExportSessionInfo, FaceFrameRow, FatigueRow } from './session-reader'
import type { SampleBatch, SampleTimeline } from './timeline'
import { zipStream, type ZipEntry } from './zip-stream'

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
  /** The lab's institution, cap and ground for BIDS `_eeg.json` (station config `lab`). */
  lab?: LabInfo
  /** Data file inside a BIDS export (default BDF, which keeps 24-bit resolution). */
  bidsEegFormat?: EdfFlavour
  /**
   * Records without samples in BDF/EDF: written as 0 µV and marked `BAD_data_gap` (+C, the default:
   * every common reader places every sample right) or left out (+D, which MNE-Python and others read
   * as if continuous; only on request).
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
  /** Whether the session has face-tracker frames: they go to BIDS as `_recording-face_physio.tsv.gz`. */
  hasFaceFrames: boolean
  /** Exactly the face frames present at the first pass, in time order. */
  faceFrames(): Iterable<FaceFrameRow>
  faceCalibrations: FaceFrameRow[]
  /** The session's electrode impedance checks (with their overrides), in time order. */
  impedanceChecks: ExportImpedanceCheck[]
  /** Set by deidentify.ts: dates shifted, ages binned, free text dropped (writers say so where they can). */
  deidentified?: boolean
}

export type ExportWriter = (session: ScannedSession, options: ExportWriterOptions) => ExportFile[]

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8'

function edfFile(session: ScannedSession, flavour: EdfFlavour, name: string, gaps: EdfGapMode): { file: ExportFile; plan: EdfPlan } {
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
  return { file, plan }
}

function edfWriter(flavour: EdfFlavour): ExportWriter {
  return (session, options) => [edfFile(session, flavour, `${session.baseName}.${EXPORT_FORMATS[flavour].extension}`, options.gaps ?? 'fill').file]
}

const writeCsv: ExportWriter = (session) => {
  const { baseName, timeline } = session
  return [
    { name: `${baseName}_samples.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeSamplesCsv(session.info.device.channelNames, timeline, session.samples()) },
    { name: `${baseName}_events.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeEventsCsv(session.events) },
    { name: `${baseName}_fatigue.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeFatigueCsv(session.fatigueRows(), timeline) },
    // Only for sessions whose electrodes were checked: most headsets cannot measure impedance.
    ...(session.impedanceChecks.length > 0
      ? [{ name: `${baseName}_impedance.csv`, contentType: CSV_CONTENT_TYPE, sizeBytes: null, chunks: () => writeImpedanceCsv(session.impedanceChecks, timeline) }]
      : [])
  ]
}

const writeBids: ExportWriter = (session, options) => {
  const { info, timeline, firstTimestampMs } = session
  const { sampleRateHz } = info.device
  const eegFormat = options.bidsEegFormat ?? 'bdf'
  const eeg = edfFile(session, eegFormat, '', options.gaps ?? 'fill')
  const { plan } = eeg
  // The padding that completes the data file's last record is an event too, as in the file's annotations.
  const padding: PlacedEvent[] = []
  if (plan.paddingSamples > 0) {
    const annotation = edfPaddingAnnotation(timeline.slotCount, plan.paddingSamples, sampleRateHz)
    padding.push({
      ...annotation,
      timestampMs: firstTimestampMs + Math.round(annotation.onsetS * 1000),
      source: 'padding',
      trialType: PADDING_ANNOTATION,
      value: String(plan.paddingSamples)
    })
  }
  const layout = buildBidsLayout({
    info,
    eegFormat,
    sampleRateHz,
    recordingDurationS: plan.fileDurationS,
    isDiscontinuous: plan.isDiscontinuous,
    firstTimestampMs,
    events: [...session.events, ...padding],
    hasFatigue: session.hasFatigue,
    powerLineHz: options.powerLineHz,
    vigilVersion: options.vigilVersion,
    lab: options.lab,
    isDeidentified: session.deidentified ?? false,
    electrodeImpedance: electrodeImpedanceColumn(session.impedanceChecks, firstTimestampMs, info.device.channelNames.length)
  })
  const encoder = new TextEncoder()
  const mtime = new Date(firstTimestampMs)
  // Face features at a fixed rate beside the EEG, so PERCLOS can be recomputed from the dataset.
  const physio: ZipEntry[] = []
  if (session.hasFaceFrames) {
    const physioPlan = planFacePhysio(session.faceFrames(), session.faceCalibrations, timeline)
    if (physioPlan) {
      const stem = layout.eegPath.replace(/_eeg\.(bdf|edf)$/, '_recording-face_physio')
      physio.push(
        { name: `${stem}.json`, data: [encoder.encode(`${JSON.stringify(physioPlan.sidecar, null, 2)}\n`)], compress: true },
        // Already gzip, as BIDS wants the file: stored, not deflated again.
        { name: `${stem}.tsv.gz`, data: writeFacePhysio(session.faceFrames(), physioPlan), compress: false }
      )
    }
  }
  return [
    {
      name: `${layout.root}.${EXPORT_FORMATS.bids.extension}`,
      contentType: EXPORT_FORMATS.bids.contentType,
      sizeBytes: null,
      chunks: () =>
        zipStream(
          [
            ...layout.files.map((f) => ({ name: f.path, data: [encoder.encode(f.text)], compress: true })),
            ...physio,
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
