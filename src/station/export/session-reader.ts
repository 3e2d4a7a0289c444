/**
 * Reads one session out of the local SQLite for export.
 *
 * Samples are read in pages by keyset (`seq > last ORDER BY seq LIMIT n`), each page a complete
 * statement: the export can then be paused between pages (an HTTP client reading slowly) without
 * holding a statement open on the connection the recorder writes through.
 */
import { MICROSLEEP_CANDIDATE_MS } from '../../shared/eye-closure'
import { VigilError } from '../../shared/errors'
import { findSession, type SessionDevice } from '../sessions/sessions.repository'
import type { LocalDatabase } from '../storage/database'
import { createImpedanceStore } from '../devices/impedance/impedance-store'
import { createMontageStore, type StoredMontage } from '../sessions/montage.repository'
import { createEegSamplesRepository } from '../storage/eeg-samples.repository'
import { impedanceEvents, type ExportImpedanceCheck } from './impedance-export'
import type { SampleBatch } from './timeline'
import type { SessionEvent } from './session-event'

export interface ExportDevice {
  kind: string
  port: string | null
  channelNames: string[]
  sampleRateHz: number
  /** EEG reference, filters, model: null until the session's device carries them (writers print their defaults). */
  reference: string | null
  prefiltering: string | null
  model: string | null
  /** 10-20/10-10 site per channel from the session's montage (null: off the head); absent: sites by label. */
  positions?: (string | null)[]
  /** EEG ground from the session's montage (BIDS `EEGGround`); absent: the lab config's. */
  ground?: string | null
}

export interface ExportSessionInfo {
  id: string
  name: string
  participantCode: string
  stationId: string
  status: string
  notes: string
  startedAt: string | null
  endedAt: string | null
  createdAt: string
  createdBy: string
  device: ExportDevice
  /** 1-based position of this session among the participant's sessions (by creation): the BIDS session label. */
  participantSessionNumber: number
  /** Demographics from the participant record, for BIDS participants.tsv (null: no record). */
  participant?: ExportParticipant | null
}

export interface ExportParticipant {
  age: number | null
  sex: string | null
  handedness: string | null
}

/** One stored fatigue engine update (~1 Hz); `data` is the full FatigueMetrics object. */
export interface FatigueRow {
  timestampMs: number
  score: number | null
  level: string | null
  data: Record<string, unknown>
}

/** One stored face-tracker `frame` (or `calibrated`) event: `data` holds its wire fields. */
export interface FaceFrameRow {
  timestampMs: number
  data: Record<string, unknown>
}

export interface SessionReader {
  info: ExportSessionInfo
  /** Stored samples of the session now (the export's progress total). */
  sampleCount(): number
  /** Samples in `seq` order, up to and including `throughSeq` when given. */
  samples(options?: { batchSize?: number; throughSeq?: number | null }): Generator<SampleBatch>
  events(): SessionEvent[]
  /** Highest fatigue_metrics row id now (null: none), so a later read stops where the export started. */
  lastFatigueRowId(): number | null
  /** Fatigue updates in time order, rows with id up to `throughId`, read in pages. */
  fatigueRows(throughId: number | null, pageSize?: number): Generator<FatigueRow>
  /** Highest face `frame` row id now (null: none), so a later read stops where the export started. */
  lastFaceFrameId(): number | null
  /** Face-tracker frames in time order, rows with id up to `throughId`, read in pages. */
  faceFrames(throughId: number | null, pageSize?: number): Generator<FaceFrameRow>
  /** The tracker's `calibrated` events (open and, after the eyes-closed step, closed EAR), in time order. */
  faceCalibrations(): FaceFrameRow[]
  /** The session's electrode impedance checks with their overrides, in time order. */
  impedanceChecks(): ExportImpedanceCheck[]
}

/** Game event kinds left out of annotations: `state` is the ~10 Hz driving telemetry, not an event. */
const HIGH_RATE_GAME_KINDS = new Set(['state'])

/** Face detections worth an annotation; `frame` (every analysed frame), `calibrated` and `status` are tracker bookkeeping. */
const FACE_EVENT_KINDS = ['blink', 'eye_closure', 'yawn'] as const

/** Eye closures at least this long are microsleep candidates, the same threshold the fatigue engine counts. */
export { MICROSLEEP_CANDIDATE_MS }

/** The session's headset description, when it is complete enough to export: named channels and a rate. */
function exportDeviceOf(device: SessionDevice | null): ExportDevice | null {
  if (!device) return null
  const { channelNames, sampleRateHz } = device
  if (!Array.isArray(channelNames) || channelNames.length === 0 || !channelNames.every((c) => typeof c === 'string')) return null
  if (typeof sampleRateHz !== 'number' || !(sampleRateHz > 0)) return null
  return {
    kind: text(device.kind) ?? 'unknown',
    port: text(device.port),
    channelNames,
    sampleRateHz,
    reference: null,
    prefiltering: null,
    model: null
  }
}

/**
 * The montage's labels, sites, reference and ground over the headset's: one label source for every
 * file. A montage naming another number of channels than were recorded (stored before another headset
 * was connected) is not applied: labels shifted against the data would be worse than the defaults.
 */
function withMontage(device: ExportDevice, montage: StoredMontage | null): ExportDevice {
  if (!montage || montage.electrodes.length !== device.channelNames.length) return device
  return {
    ...device,
    channelNames: montage.electrodes.map((e) => e.label),
    positions: montage.electrodes.map((e) => e.position),
    reference: montage.reference,
    ground: montage.ground
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null
}

export function openSessionReader(db: LocalDatabase, sessionId: string): SessionReader {
  const session = findSession(db, sessionId)
  if (!session) throw new VigilError('NOT_FOUND', 'Session not found')
  const recorded = exportDeviceOf(session.device)
  if (!recorded) throw new VigilError('EXPORT_EMPTY_SESSION', 'the session has no recorded EEG (no headset description)')
  const device = withMontage(recorded, createMontageStore(db).latest(sessionId))
  const { n: participantSessionNumber } = db
    .prepare('SELECT count(*) AS n FROM sessions WHERE participant_code = ? AND (created_at < ? OR (created_at = ? AND id <= ?))')
    .get(session.participantCode, session.createdAt, session.createdAt, session.id) as { n: number }
  const info: ExportSessionInfo = {
    id: session.id,
    name: session.name,
    participantCode: session.participantCode,
    stationId: session.stationId,
    status: session.status,
    notes: session.notes,
    startedAt: session.startedAt,
    endedAt: session.endedAt,
    createdAt: session.createdAt,
    createdBy: session.createdBy,
    device,
    participantSessionNumber
  }
  const channelCount = device.channelNames.length
  const eegSamples = createEegSamplesRepository(db)

  function* samples(options: { batchSize?: number; throughSeq?: number | null } = {}): Generator<SampleBatch> {
    const batchSize = options.batchSize ?? 4096
    const throughSeq = options.throughSeq ?? Number.MAX_SAFE_INTEGER
    let after = -1
    for (;;) {
      const batch = eegSamples.page(sessionId, after, throughSeq, batchSize, channelCount)
      if (!batch) return
      const n = batch.seqs.length
      after = batch.seqs[n - 1]
      yield batch
      if (n < batchSize) return
    }
  }

  function events(): SessionEvent[] {
    const out: SessionEvent[] = []
    const markers = db.prepare('SELECT t_ms, label, value FROM markers WHERE session_id = ? ORDER BY t_ms, id').all(sessionId) as { t_ms: number; label: string; value: string | null }[]
    for (const m of markers) out.push(markerEvent(m.t_ms, m.label, m.value))
    const games = db.prepare('SELECT t_ms, kind, data_json FROM game_events WHERE session_id = ? ORDER BY t_ms, id').all(sessionId) as { t_ms: number; kind: string; data_json: string }[]
    for (const g of games) if (!HIGH_RATE_GAME_KINDS.has(g.kind)) out.push(gameEvent(g.t_ms, g.kind, parseData(g.data_json)))
    const faces = db
      .prepare(`SELECT t_ms, kind, data_json FROM face_events WHERE session_id = ? AND kind IN (${FACE_EVENT_KINDS.map(() => '?').join(', ')}) ORDER BY t_ms, id`)
      .all(sessionId, ...FACE_EVENT_KINDS) as { t_ms: number; kind: string; data_json: string }[]
    for (const f of faces) out.push(faceEvent(f.t_ms, f.kind, parseData(f.data_json)))
    const alerts = db.prepare('SELECT t_ms, type, severity, message FROM alerts WHERE session_id = ? ORDER BY t_ms, id').all(sessionId) as { t_ms: number; type: string; severity: string; message: string }[]
    for (const a of alerts) out.push(alertEvent(a.t_ms, a.type, a.severity, a.message))
    out.push(...impedanceEvents(impedanceChecks()))
    return out.sort((a, b) => a.timestampMs - b.timestampMs)
  }

  const impedanceStore = createImpedanceStore(db)

  function impedanceChecks(): ExportImpedanceCheck[] {
    const overrides = impedanceStore.listOverridesForSession(sessionId)
    return impedanceStore.listForSession(sessionId).map((c) => ({
      id: c.id,
      tMs: c.tMs,
      method: c.method,
      passed: c.passed,
      thresholds: { goodBelowKohm: c.thresholds.goodBelowKohm, acceptableBelowKohm: c.thresholds.acceptableBelowKohm },
      electrodes: c.electrodes.map((e) => ({ channel: e.channel, label: e.label, pin: e.pin, impedanceKohm: e.impedanceKohm, rating: e.rating })),
      overrides: overrides.filter((o) => o.checkId === c.id).map((o) => ({ tMs: o.tMs, badElectrodes: o.badElectrodes }))
    }))
  }

  const maxFatigueId = db.prepare('SELECT max(id) FROM fatigue_metrics WHERE session_id = ?').pluck()
  const fatiguePage = db.prepare(
    'SELECT id, t_ms, score, level, data_json FROM fatigue_metrics WHERE session_id = ? AND id <= ? AND (t_ms > ? OR (t_ms = ? AND id > ?)) ORDER BY t_ms, id LIMIT ?'
  )

  function lastFatigueRowId(): number | null {
    return (maxFatigueId.get(sessionId) as number | null) ?? null
  }

  function* fatigueRows(throughId: number | null, pageSize = 1000): Generator<FatigueRow> {
    if (throughId === null) return
    let afterT = -Infinity
    let afterId = -1
    for (;;) {
      const rows = fatiguePage.all(sessionId, throughId, afterT, afterT, afterId, pageSize) as { id: number; t_ms: number; score: number | null; level: string | null; data_json: string }[]
      for (const r of rows) yield { timestampMs: r.t_ms, score: r.score, level: r.level, data: parseData(r.data_json) }
      if (rows.length < pageSize) return
      afterT = rows[rows.length - 1].t_ms
      afterId = rows[rows.length - 1].id
    }
  }

  const maxFrameId = db.prepare("SELECT max(id) FROM face_events WHERE session_id = ? AND kind = 'frame'").pluck()
  const framePage = db.prepare(
    "SELECT id, t_ms, data_json FROM face_events WHERE session_id = ? AND kind = 'frame' AND id <= ? AND (t_ms > ? OR (t_ms = ? AND id > ?)) ORDER BY t_ms, id LIMIT ?"
  )

  function* faceFrames(throughId: number | null, pageSize = 2000): Generator<FaceFrameRow> {
    if (throughId === null) return
    let afterT = -Infinity
    let afterId = -1
    for (;;) {
      const rows = framePage.all(sessionId, throughId, afterT, afterT, afterId, pageSize) as { id: number; t_ms: number; data_json: string }[]
      for (const r of rows) yield { timestampMs: r.t_ms, data: parseData(r.data_json) }
      if (rows.length < pageSize) return
      afterT = rows[rows.length - 1].t_ms
      afterId = rows[rows.length - 1].id
    }
  }

  function faceCalibrations(): FaceFrameRow[] {
    const rows = db.prepare("SELECT t_ms, data_json FROM face_events WHERE session_id = ? AND kind = 'calibrated' ORDER BY t_ms, id").all(sessionId) as { t_ms: number; data_json: string }[]
    return rows.map((r) => ({ timestampMs: r.t_ms, data: parseData(r.data_json) }))
  }

  return {
    info,
    sampleCount: () => eegSamples.count(sessionId),
    samples,
    events,
    lastFatigueRowId,
    fatigueRows,
    lastFaceFrameId: () => (maxFrameId.get(sessionId) as number | null) ?? null,
    faceFrames,
    faceCalibrations,
    impedanceChecks
  }
}

function parseData(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(Math.round(value * 1000) / 1000)
  if (typeof value === 'boolean') return String(value)
  return null
}

export function markerEvent(timestampMs: number, label: string, value: string | null): SessionEvent {
  return { source: 'marker', timestampMs, durationMs: 0, trialType: label, value, text: value === null || value === '' ? label : `${label}: ${value}` }
}

/** The field that best stands for a game event in one `value` column, by kind-independent preference. */
const GAME_VALUE_FIELDS = ['value', 'reactionTimeMs', 'simReactionTimeMs', 'stimulusKind', 'side', 'reason', 'object', 'stimulusId', 'promptId']

export function gameEvent(timestampMs: number, kind: string, data: Record<string, unknown>): SessionEvent {
  let value: string | null = null
  for (const field of GAME_VALUE_FIELDS) {
    value = scalarText(data[field])
    if (value !== null) break
  }
  // The scenario clock (`tMs`) is the game's own time, not needed next to the wall-clock onset.
  const details = Object.entries(data)
    .filter(([key]) => key !== 'kind' && key !== 'tMs')
    .map(([key, v]) => [key, scalarText(v)] as const)
    .filter(([, v]) => v !== null)
    .map(([key, v]) => `${key}=${v}`)
  const event: SessionEvent = { source: 'game', timestampMs, durationMs: 0, trialType: kind, value, text: [kind, ...details].join(' ') }
  // The painted-frame latency when the browser measured it, else the simulation's, as the fatigue engine reads it.
  const rtMs = kind === 'response' ? [data.reactionTimeMs, data.simReactionTimeMs].find((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0) : undefined
  if (rtMs !== undefined) event.responseTimeS = rtMs / 1000
  return event
}

/** A blink, eye closure or yawn: the row's time is its start, `durationMs` how long it lasted. */
export function faceEvent(timestampMs: number, kind: string, data: Record<string, unknown>): SessionEvent {
  const raw = data.durationMs
  const durationMs = typeof raw === 'number' && Number.isFinite(raw) && raw > 0 ? raw : 0
  const isMicrosleepCandidate = kind === 'eye_closure' && durationMs >= MICROSLEEP_CANDIDATE_MS
  const value = isMicrosleepCandidate ? 'microsleep_candidate' : null
  return { source: 'face', timestampMs, durationMs, trialType: kind, value, text: value ? `${kind} ${value}` : kind }
}

export function alertEvent(timestampMs: number, type: string, severity: string, message: string): SessionEvent {
  return { source: 'alert', timestampMs, durationMs: 0, trialType: `alert_${type}`, value: severity, text: `alert ${type} (${severity}): ${message}` }
}
