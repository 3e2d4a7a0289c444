/**
 * Exports one session: a first pass over the samples builds the timeline (gaps, per-channel ranges,
 * time anchors), then each file is produced as a stream of chunks by a second pass.
 *
 * The first pass is async and yields to the event loop between pages, so exporting an hour of EEG
 * from the running station does not stall live streaming; the second pass is a synchronous chunk
 * generator the caller pulls at its own pace (HTTP response, file write).
 */
import { VigilError } from '../../shared/errors'
import { isExportFormat, type ExportFormat } from '../../shared/export-formats'
import type { LocalDatabase } from '../storage/database'
import { bidsLabel } from './bids-writer'
import { formatDecimal, type PlacedEvent } from './csv-writer'
import { findParticipantByCode } from '../participants/participants.repository'
import { binAge, deidentifySession, randomDateShiftDays } from './deidentify'
import { EXPORT_WRITERS, type ExportFile, type ExportWriterOptions, type ScannedSession } from './export-writers'
import type { SessionEvent } from './session-event'
import { openSessionReader, type ExportSessionInfo } from './session-reader'
import { createTimelineBuilder, type SampleBatch, type SampleTimeline } from './timeline'
import { zipStream } from './zip-stream'

export type ExportPhase = 'scan' | 'write'

export interface ExportOptions extends ExportWriterOptions {
  /** Rows per database page. */
  batchSize?: number
  /** Called after each page of samples: the first pass scans, the second writes. */
  onProgress?: (phase: ExportPhase, samplesDone: number, samplesTotal: number) => void
  /** Shift dates, bin ages, drop free text (deidentify.ts). Default: on for BIDS, off for the rest. */
  deidentify?: boolean
  /** The de-identification's date offset in days (whole weeks, negative); default a fresh random one. */
  dateShiftDays?: number
}

export interface SessionExport {
  format: ExportFormat
  info: ExportSessionInfo
  timeline: SampleTimeline
  events: PlacedEvent[]
  /** The files of the export: one, or for CSV the samples, events and fatigue files. */
  files: ExportFile[]
  /** What a single download carries: the one file, or the files zipped together. */
  download(): ExportFile
}

const ZIP_CONTENT_TYPE = 'application/zip'

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Places wall-clock events and the timeline's gaps on the file's time axis, sorted by onset. */
export function placeEvents(events: SessionEvent[], timeline: SampleTimeline): PlacedEvent[] {
  const rate = timeline.sampleRateHz
  const placed: PlacedEvent[] = events.map((e) => {
    const onsetS = timeline.fileTimeOf(e.timestampMs)
    const isMovedToStart = e.isKeptAtStart === true && onsetS < 0
    return {
      onsetS: isMovedToStart ? 0 : onsetS,
      durationS: e.durationMs / 1000,
      timestampMs: e.timestampMs,
      source: e.source,
      trialType: e.trialType,
      value: e.value,
      text: isMovedToStart ? `${e.text} [${formatDecimal(-onsetS, 1)} s before the first sample]` : e.text,
      ...(e.responseTimeS !== undefined ? { responseTimeS: e.responseTimeS } : {})
    }
  })
  for (const gap of timeline.gaps) {
    // "BAD_" descriptions mark the span as bad in MNE-Python, so epochs across it are rejected.
    // A seq jump is a headset drop or a pause in recording (the headset kept counting meanwhile).
    const what = gap.droppedSamples > 0 ? `${gap.droppedSamples} samples missing` : 'headset reconnected'
    placed.push({
      onsetS: gap.slot / rate,
      durationS: gap.slotCount / rate,
      timestampMs: gap.timestampMs,
      source: 'gap',
      trialType: 'BAD_data_gap',
      value: String(gap.droppedSamples),
      text: `BAD_data_gap ${what}`
    })
  }
  return placed.sort((a, b) => a.onsetS - b.onsetS)
}

export async function prepareSessionExport(db: LocalDatabase, sessionId: string, format: ExportFormat, options: ExportOptions): Promise<SessionExport> {
  if (!isExportFormat(format)) throw new VigilError('BAD_REQUEST', `unknown export format "${String(format)}"`)
  const reader = openSessionReader(db, sessionId)
  const record = findParticipantByCode(db, reader.info.participantCode)
  const info: ExportSessionInfo = { ...reader.info, participant: record ? { age: binAge(record.age), sex: record.sex, handedness: record.handedness } : null }
  const { channelNames, sampleRateHz } = info.device
  const rowCount = reader.sampleCount()
  const batchSize = options.batchSize ?? 4096
  const builder = createTimelineBuilder(sampleRateHz, channelNames.length)
  let scanned = 0
  for (const batch of reader.samples({ batchSize })) {
    builder.add(batch)
    scanned += batch.seqs.length
    options.onProgress?.('scan', scanned, Math.max(rowCount, scanned))
    await yieldToEventLoop()
  }
  const timeline = builder.finish()
  if (timeline.sampleCount === 0 || timeline.firstTimestampMs === null) throw new VigilError('EXPORT_EMPTY_SESSION', 'the session has no EEG samples to export')
  const firstTimestampMs = timeline.firstTimestampMs
  const events = placeEvents(reader.events(), timeline)
  // Like the samples, fatigue rows stored after this point (a recording under way) are left out.
  const lastFatigueRowId = reader.lastFatigueRowId()
  const fatigueRows = () => reader.fatigueRows(lastFatigueRowId)
  const lastFaceFrameId = reader.lastFaceFrameId()
  const faceFrames = () => reader.faceFrames(lastFaceFrameId)
  const faceCalibrations = reader.faceCalibrations()
  const impedanceChecks = reader.impedanceChecks()

  /** The second pass: exactly the rows of the first (a recording still under way keeps appending). */
  function* samples(): Generator<SampleBatch> {
    let written = 0
    for (const batch of reader.samples({ batchSize, throughSeq: timeline.lastSeq })) {
      written += batch.seqs.length
      options.onProgress?.('write', written, timeline.sampleCount)
      yield batch
    }
  }

  const participant = bidsLabel(info.participantCode, 'participant code')
  const baseName = `vigil_sub-${participant}_ses-${info.participantSessionNumber}`
  const prepared: ScannedSession = {
    info,
    timeline,
    events,
    firstTimestampMs,
    baseName,
    hasFatigue: lastFatigueRowId !== null,
    hasFaceFrames: lastFaceFrameId !== null,
    samples,
    fatigueRows,
    faceFrames,
    faceCalibrations,
    impedanceChecks
  }
  // A transform of what the writers get, so no writer has to know about it.
  const isDeidentified = options.deidentify ?? format === 'bids'
  const written = isDeidentified ? deidentifySession(prepared, { dateShiftDays: options.dateShiftDays ?? randomDateShiftDays() }) : prepared
  const files = EXPORT_WRITERS[format](written, options)

  return {
    format,
    info: written.info,
    timeline: written.timeline,
    events: written.events,
    files,
    download() {
      if (files.length === 1) return files[0]
      return {
        name: `${baseName}_${format}.zip`,
        contentType: ZIP_CONTENT_TYPE,
        sizeBytes: null,
        chunks: () => zipStream(files.map((f) => ({ name: f.name, data: f.chunks(), compress: true })), new Date(written.firstTimestampMs))
      }
    }
  }
}
