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
import { channelCountOfBlob, createEegSamplesRepository, decodeSampleBlob, type EegRow, type EegSamplesRepository } from '../storage/eeg-samples.repository'
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
function inferDevice(eegSamples: EegSamplesRepository, sessionId: string): SessionDevice | null {
  const rows = eegSamples.rows(sessionId, -Infinity, Number.MAX_SAFE_INTEGER, 1001)
  if (rows.length < 2) return null
  const spanMs = rows[rows.length - 1][1] - rows[0][1]
  if (!(spanMs > 0)) return null
  const channelCount = channelCountOfBlob(rows[0][2])
  return { channelNames: Array.from({ length: channelCount }, (_, i) => `ch${i + 1}`), sampleRateHz: Math.round(((rows.length - 1) * 1000) / spanMs) }
}

export function replaySession(db: LocalDatabase, sessionId: string, mainsHz: 50 | 60): ReplayResult {
  const repository = createFatigueRepository(db)
  if (!repository.sessionExists(sessionId)) throw new VigilError('NOT_FOUND', `Session ${sessionId} not found`)
  const eegSamples = createEegSamplesRepository(db)
  const stored = repository.sessionDevice(sessionId)
  const device = stored ?? inferDevice(eegSamples, sessionId)
  const firstRow = eegSamples.rows(sessionId, -Infinity, Number.MAX_SAFE_INTEGER, 1)[0] as EegRow | undefined
  const channelCount = firstRow ? channelCountOfBlob(firstRow[2]) : undefined
  const engine = createFatigueEngine(engineOptionsFor(device, mainsHz, channelCount))
  const result: ReplayResult = { sessionId, device, deviceSource: stored ? 'session' : device ? 'inferred' : 'none', updates: [], alerts: [] }
  const collect = (out: EngineOutput) => {
    result.updates.push(...out.updates)
    result.alerts.push(...out.alerts)
  }

  const nextFace = eventReader(db, 'face_events', sessionId)
  const nextGame = eventReader(db, 'game_events', sessionId)
  let eegRows: EegRow[] = []
  let eegIndex = 0
  let lastSeq = -Infinity
  let eegDone = channelCount === undefined
  const peekEeg = (): EegRow | null => {
    if (eegIndex >= eegRows.length && !eegDone) {
      eegRows = eegSamples.rows(sessionId, lastSeq, Number.MAX_SAFE_INTEGER, PAGE_ROWS)
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
    if (eegRow && eegRow[1] <= eventT) {
      // A block of consecutive samples up to the next face/game event.
      const times: number[] = []
      const values: Float32Array[] = []
      for (let row = peekEeg(); row && row[1] <= eventT && times.length < MAX_BLOCK_SAMPLES; row = peekEeg()) {
        const [seq, tMs, blob] = row
        times.push(tMs)
        values.push(decodeSampleBlob(blob))
        lastSeq = seq
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
