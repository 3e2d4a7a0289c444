/**
 * De-identified export: a transform of what the writers get (a ScannedSession), so the writers stay
 * unaware of it. It
 * - shifts every date and time by one per-dataset offset of whole weeks into the past (time of day and
 *   weekday survive: both matter for fatigue), so durations, event onsets and the EEG are unchanged;
 * - bins ages above 89 to 89 (HIPAA safe harbour, the BIDS recommendation for `age`);
 * - drops free text: the session's notes and name;
 * - replaces the session and station ids, which are UUIDv7 and so carry their creation time.
 * Marker labels and values, event kinds and alert messages are kept: they are the study's codes.
 */
import { randomInt, randomUUID } from 'node:crypto'
import type { ScannedSession } from './export-writers'
import type { FaceFrameRow, FatigueRow } from './session-reader'
import type { SampleBatch, SampleTimeline } from './timeline'

/** Ages above this are written as this (a person older than 89 is rare enough to be identifiable). */
export const MAX_EXPORTED_AGE_YEARS = 89

/** Offsets are 1 to 10 years of whole weeks: far enough to hide the date, near enough for EDF (1985-2084). */
const MIN_SHIFT_WEEKS = 52
const MAX_SHIFT_WEEKS = 520
const WEEK_MS = 7 * 86_400_000

export interface Deidentification {
  /** Days every time was moved; negative: into the past. Kept only in the export's memory, never written. */
  dateShiftDays: number
}

/** A fresh offset for one dataset; the secret is not written anywhere, so the real dates cannot be recovered from the files. */
export function randomDateShiftDays(): number {
  return -7 * randomInt(MIN_SHIFT_WEEKS, MAX_SHIFT_WEEKS + 1)
}

export function binAge(age: number | null): number | null {
  return age === null ? null : Math.min(age, MAX_EXPORTED_AGE_YEARS)
}

function shiftIso(iso: string | null, shiftMs: number): string | null {
  return iso === null ? null : new Date(Date.parse(iso) + shiftMs).toISOString()
}

function shiftTimeline(timeline: SampleTimeline, shiftMs: number): SampleTimeline {
  return {
    ...timeline,
    firstTimestampMs: timeline.firstTimestampMs === null ? null : timeline.firstTimestampMs + shiftMs,
    gaps: timeline.gaps.map((g) => ({ ...g, timestampMs: g.timestampMs + shiftMs })),
    // Callers hand in shifted times: undo the shift to find the slot.
    fileTimeOf: (timestampMs) => timeline.fileTimeOf(timestampMs - shiftMs),
    slotOf: (seq) => timeline.slotOf(seq)
  }
}

function* shiftSamples(batches: Iterable<SampleBatch>, shiftMs: number): Generator<SampleBatch> {
  for (const batch of batches) {
    const timestampsMs = new Float64Array(batch.timestampsMs.length)
    for (let i = 0; i < timestampsMs.length; i++) timestampsMs[i] = batch.timestampsMs[i] + shiftMs
    yield { ...batch, timestampsMs }
  }
}

function* shiftFatigue(rows: Iterable<FatigueRow>, shiftMs: number): Generator<FatigueRow> {
  for (const row of rows) yield { ...row, timestampMs: row.timestampMs + shiftMs }
}

export function deidentifySession(session: ScannedSession, plan: Deidentification): ScannedSession {
  const shiftMs = plan.dateShiftDays * 86_400_000
  if (!Number.isInteger(plan.dateShiftDays) || shiftMs % WEEK_MS !== 0) throw new Error('date shift must be whole weeks')
  const { info } = session
  const participant = info.participant ? { ...info.participant, age: binAge(info.participant.age) } : null
  return {
    ...session,
    info: {
      ...info,
      id: randomUUID(),
      stationId: randomUUID(),
      name: 'de-identified session',
      notes: '',
      startedAt: shiftIso(info.startedAt, shiftMs),
      endedAt: shiftIso(info.endedAt, shiftMs),
      createdAt: shiftIso(info.createdAt, shiftMs)!,
      createdBy: '',
      participant
    },
    timeline: shiftTimeline(session.timeline, shiftMs),
    events: session.events.map((e) => ({ ...e, timestampMs: e.timestampMs + shiftMs })),
    firstTimestampMs: session.firstTimestampMs + shiftMs,
    samples: () => shiftSamples(session.samples(), shiftMs),
    fatigueRows: () => shiftFatigue(session.fatigueRows(), shiftMs),
    // Face frames carry absolute times too (the physio file's onsets are relative, but its sidecar is not).
    faceFrames: () => shiftFaceFrames(session.faceFrames(), shiftMs),
    faceCalibrations: session.faceCalibrations.map((row) => ({ ...row, timestampMs: row.timestampMs + shiftMs })),
    impedanceChecks: session.impedanceChecks.map((c) => ({ ...c, tMs: c.tMs + shiftMs, overrides: c.overrides.map((o) => ({ ...o, tMs: o.tMs + shiftMs })) })),
    deidentified: true
  }
}

function* shiftFaceFrames(rows: Iterable<FaceFrameRow>, shiftMs: number): Generator<FaceFrameRow> {
  for (const row of rows) yield { ...row, timestampMs: row.timestampMs + shiftMs }
}
