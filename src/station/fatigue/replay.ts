/**
 * Replays the fatigue engine over a stored session: EEG, face and game rows are merged in time order
 * (EEG in blocks that never run past the next face/game event, as they arrived live) and fed through
 * the same adapters and engine as the live service. Reads in pages, so long sessions stay in bounded
 * memory while the station may keep writing (SQLite WAL).
 */
import { VigilError } from '../../shared/errors'
import type { FatigueMetrics } from '../../shared/schemas/fatigue'
import type { TimedEvent } from '../events'
import type { LocalDatabase } from '../storage/database'
import { faceInputOf, gameInputOf } from './adapters'
import { createFatigueEngine, type EngineAlert, type EngineOutput } from './engine'
import { createFatigueRepository, type SessionDevice } from './fatigue.repository'
import { engineOptionsFor } from './fatigue.service'

const PAGE_ROWS = 5000
const MAX_BLOCK_SAMPLES = 256

export interface ReplayResult {
  sessionId: string
  device: SessionDevice | null
  /** Whether the channel layout came from the session or was inferred from the stored samples. */
  deviceSource: 'session' | 'inferred' | 'none'
  updates: FatigueMetrics[]
  alerts: EngineAlert[]
}

interface EegRow {
  seq: number
  t_ms: number
  values_f32: Buffer
}

interface EventRow {
  id: number
  t_ms: number
  kind: string
  data_json: string
}

/** A paged, time-ordered reader of one stored stream. */
function eventReader(db: LocalDatabase, table: 'face_events' | 'game_events', sessionId: string): () => TimedEvent | null {
  const page = db.prepare(`SELECT id, t_ms, kind, data_json FROM ${table} WHERE session_id = ? AND (t_ms > ? OR (t_ms = ? AND id > ?)) ORDER BY t_ms, id LIMIT ${PAGE_ROWS}`)
  let rows: EventRow[] = []
  let index = 0
  let last = { t: -Infinity, id: -1 }
  let done = false
  return () => {
    if (index >= rows.length && !done) {
      rows = page.all(sessionId, last.t, last.t, last.id) as EventRow[]
      index = 0
      done = rows.length < PAGE_ROWS
    }
    if (index >= rows.length) return null
    const row = rows[index++]
    last = { t: row.t_ms, id: row.id }
    return { tMs: row.t_ms, kind: row.kind, data: JSON.parse(row.data_json) as Record<string, unknown> }
  }
}

/** Channel layout inferred from the samples themselves: count from the blob size, rate from the first timestamps. */
function inferDevice(db: LocalDatabase, sessionId: string): SessionDevice | null {
  const rows = db.prepare('SELECT t_ms, values_f32 FROM eeg_samples WHERE session_id = ? ORDER BY seq LIMIT 1001').all(sessionId) as { t_ms: number; values_f32: Buffer }[]
  if (rows.length < 2) return null
  const spanMs = rows[rows.length - 1].t_ms - rows[0].t_ms
  if (!(spanMs > 0)) return null
  const channelCount = rows[0].values_f32.byteLength / 4
  return { channelNames: Array.from({ length: channelCount }, (_, i) => `ch${i + 1}`), sampleRateHz: Math.round(((rows.length - 1) * 1000) / spanMs) }
}

export function replaySession(db: LocalDatabase, sessionId: string, mainsHz: 50 | 60): ReplayResult {
  const repository = createFatigueRepository(db)
  if (!repository.sessionExists(sessionId)) throw new VigilError('NOT_FOUND', `Session ${sessionId} not found`)
  const stored = repository.sessionDevice(sessionId)
  const device = stored ?? inferDevice(db, sessionId)
  const firstRow = db.prepare('SELECT values_f32 FROM eeg_samples WHERE session_id = ? ORDER BY seq LIMIT 1').get(sessionId) as { values_f32: Buffer } | undefined
  const channelCount = firstRow ? firstRow.values_f32.byteLength / 4 : undefined
  const engine = createFatigueEngine(engineOptionsFor(device, mainsHz, channelCount))
  const result: ReplayResult = { sessionId, device, deviceSource: stored ? 'session' : device ? 'inferred' : 'none', updates: [], alerts: [] }
  const collect = (out: EngineOutput) => {
    result.updates.push(...out.updates)
    result.alerts.push(...out.alerts)
  }

  const nextFace = eventReader(db, 'face_events', sessionId)
  const nextGame = eventReader(db, 'game_events', sessionId)
  const eegPage = db.prepare(`SELECT seq, t_ms, values_f32 FROM eeg_samples WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ${PAGE_ROWS}`)
  let eegRows: EegRow[] = []
  let eegIndex = 0
  let lastSeq = -Infinity
  let eegDone = channelCount === undefined
  const peekEeg = (): EegRow | null => {
    if (eegIndex >= eegRows.length && !eegDone) {
      eegRows = eegPage.all(sessionId, lastSeq) as EegRow[]
      eegIndex = 0
      eegDone = eegRows.length < PAGE_ROWS
    }
    return eegIndex < eegRows.length ? eegRows[eegIndex] : null
  }

  let face = nextFace()
  let game = nextGame()
  for (;;) {
    const eegRow = peekEeg()
    const eventT = Math.min(face?.tMs ?? Infinity, game?.tMs ?? Infinity)
    if (eegRow && eegRow.t_ms <= eventT) {
      // A block of consecutive samples up to the next face/game event.
      const times: number[] = []
      const values: Float32Array[] = []
      for (let row = peekEeg(); row && row.t_ms <= eventT && times.length < MAX_BLOCK_SAMPLES; row = peekEeg()) {
        times.push(row.t_ms)
        // Copy: a Buffer's offset need not be 4-byte aligned.
        values.push(new Float32Array(new Uint8Array(row.values_f32).buffer))
        lastSeq = row.seq
        eegIndex++
      }
      const samplesUv = new Float32Array(times.length * channelCount!)
      values.forEach((v, i) => samplesUv.set(v, i * channelCount!))
      collect(engine.pushEeg({ channelCount: channelCount!, timestampsMs: Float64Array.from(times), samplesUv }))
    } else if (face && face.tMs === eventT) {
      const input = faceInputOf(face)
      if (input) collect(engine.pushFace(input))
      face = nextFace()
    } else if (game) {
      const input = gameInputOf(game)
      if (input) collect(engine.pushGame(input))
      game = nextGame()
    } else break
  }
  collect(engine.finish())
  return result
}

/** How a replay compares with the metrics the live station stored for the same session. */
export function compareWithStored(db: LocalDatabase, sessionId: string, updates: FatigueMetrics[]): { stored: number; matched: number; identical: number } {
  const rows = db.prepare('SELECT t_ms, data_json FROM fatigue_metrics WHERE session_id = ? ORDER BY t_ms, id').all(sessionId) as { t_ms: number; data_json: string }[]
  const byTime = new Map(updates.map((u) => [u.tMs, JSON.stringify(u)]))
  let matched = 0
  let identical = 0
  for (const row of rows) {
    const replayed = byTime.get(row.t_ms)
    if (replayed === undefined) continue
    matched++
    if (replayed === row.data_json) identical++
  }
  return { stored: rows.length, matched, identical }
}
