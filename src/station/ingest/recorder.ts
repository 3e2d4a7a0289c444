/**
 * The recorder: binds the headset's stream to the session being recorded and writes session data
 * (EEG from the headset or WebSocket producers, face and game events, markers) to SQLite with group
 * commit: one transaction per flush, every `flushIntervalMs`, never one transaction per message.
 * Every write is emitted on the event bus at once (fan-out and fatigue do not wait for the disk);
 * its `onCommitted` callback runs only after the transaction holding it committed, which is what a
 * producer's `ack` waits for. `flush()` commits everything handed in so far (what "stop" waits for).
 */
import type { VigilError } from '../../shared/errors'
import type { SampleBlock } from '../devices/types'
import type { StationEventBus, TimedEvent } from '../events'
import type { Logger } from '../logger'
import type { Marker } from '../sessions/sessions.repository'
import type { LocalDatabase } from '../storage/database'
import { createEegSamplesRepository } from '../storage/eeg-samples.repository'
import { storageErrorOf } from '../storage/storage-errors'

export interface WriteOptions {
  /** Id of the producing WebSocket connection, passed on with the event so it is not echoed back. */
  origin?: string
  /** Runs once the write is committed (in write order). */
  onCommitted?: () => void
}

export interface Recorder {
  /** The session the headset's samples go to, or null when nothing records. */
  readonly boundSessionId: string | null
  /**
   * Set while the database refuses writes (disk full, read-only). Capture from the headset stops
   * (unbound), producers are refused, and queued rows stay queued until a flush succeeds again.
   */
  readonly storageError: VigilError | null
  bind(sessionId: string | null): void
  /**
   * Queues EEG for a session (used for headset samples and WebSocket producers alike). Sample
   * sequences already stored for the session are ignored, so a producer may resend after a reconnect.
   */
  writeEeg(sessionId: string, block: SampleBlock, options?: WriteOptions): void
  writeFace(sessionId: string, events: TimedEvent[], options?: WriteOptions): void
  writeGame(sessionId: string, events: TimedEvent[], options?: WriteOptions): void
  writeMarker(sessionId: string, marker: Marker, options?: WriteOptions): void
  /** Commits everything queued so far. */
  flush(): Promise<void>
  start(): void
  stop(): Promise<void>
}

type PendingWrite = { sessionId: string; onCommitted?: () => void } & (
  | { stream: 'eeg'; block: SampleBlock }
  | { stream: 'face' | 'game'; events: TimedEvent[] }
  | { stream: 'marker'; marker: Marker }
)

export interface RecorderOptions {
  flushIntervalMs?: number
}

export function createRecorder(db: LocalDatabase, events: StationEventBus, logger: Logger, options: RecorderOptions = {}): Recorder {
  const flushIntervalMs = options.flushIntervalMs ?? 20
  let bound: string | null = null
  // Per-session offset so a headset's own counter (which restarts at 0 on reconnect) maps to
  // increasing per-session sequence numbers: seq = offset + device seq.
  const seqOffsets = new Map<string, { offset: number; lastDeviceSeq: number; nextSeq: number }>()
  let pending: PendingWrite[] = []
  let timer: NodeJS.Timeout | null = null
  let storageError: VigilError | null = null
  const eegSamples = createEegSamplesRepository(db)
  // Re-sent events (same session, time and kind) are ignored: see migrations/local/003_event_identity.sql.
  const insertFace = db.prepare('INSERT OR IGNORE INTO face_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)')
  const insertGame = db.prepare('INSERT OR IGNORE INTO game_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)')
  const insertMarker = db.prepare('INSERT OR IGNORE INTO markers (uid, session_id, t_ms, label, value, created_by) VALUES (?, ?, ?, ?, ?, ?)')
  const faceStored = db.prepare('SELECT 1 FROM face_events WHERE session_id = ? AND t_ms = ? AND kind = ?').pluck()
  const gameStored = db.prepare('SELECT 1 FROM game_events WHERE session_id = ? AND t_ms = ? AND kind = ?').pluck()
  /** Drops events already stored (a producer re-sending after a lost ack), so fatigue and viewers see each once. */
  const unseen = (stored: typeof faceStored, sessionId: string, list: TimedEvent[]) => list.filter((e) => stored.get(sessionId, e.tMs, e.kind) === undefined)
  const sessionExists = db.prepare('SELECT 1 FROM sessions WHERE id = ?').pluck()

  const commit = db.transaction((batch: PendingWrite[]) => {
    for (const write of batch) {
      const { sessionId } = write
      if (write.stream === 'eeg') {
        eegSamples.insertBlock(sessionId, write.block)
      } else if (write.stream === 'marker') {
        const m = write.marker
        insertMarker.run(m.uid, sessionId, m.tMs, m.label, m.value, m.createdBy)
      } else {
        const insert = write.stream === 'face' ? insertFace : insertGame
        for (const e of write.events) insert.run(sessionId, e.tMs, e.kind, JSON.stringify(e.data))
      }
    }
  })

  function flushNow(): void {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    try {
      commit(batch)
    } catch (err) {
      const storage = storageErrorOf(err, 'Recording stopped')
      if (storage) {
        // SQLite rolled the transaction back, so the file is intact. Stop taking headset data and keep
        // what is queued (producers' batches stay unacked, so they keep their copies too).
        if (!storageError) logger.error({ err: storage, session: bound }, storage.message)
        storageError = storage
        bound = null
        pending = batch.concat(pending)
        return
      }
      // A session deleted while its rows were queued fails the whole batch on its foreign key: drop
      // those rows (nothing can own them any more) and keep the rest, or one bad row would block all.
      const kept = batch.filter((w) => sessionExists.get(w.sessionId) !== undefined)
      if (kept.length < batch.length) logger.warn({ dropped: batch.length - kept.length }, 'dropped queued writes of deleted sessions')
      // Keep the rows: put them back in front and retry on the next tick (e.g. SQLITE_BUSY).
      pending = kept.concat(pending)
      if (kept.length < batch.length) return
      logger.error({ err }, 'session data write failed; will retry')
      throw err
    }
    if (storageError) logger.warn('the station database accepts writes again; queued rows are committed')
    storageError = null
    for (const write of batch) write.onCommitted?.()
  }

  function onDeviceSamples(block: SampleBlock): void {
    if (!bound) return
    let state = seqOffsets.get(bound)
    if (!state) {
      const lastSeq = eegSamples.lastSeq(bound)
      const nextSeq = lastSeq === null ? 0 : lastSeq + 1
      state = { offset: nextSeq - block.firstSeq, lastDeviceSeq: block.firstSeq - 1, nextSeq }
      seqOffsets.set(bound, state)
    }
    if (block.firstSeq <= state.lastDeviceSeq) {
      // The device counter went backwards (reconnect): continue after the last stored sequence.
      state.offset = state.nextSeq - block.firstSeq
    }
    const n = block.timestampsMs.length
    state.lastDeviceSeq = block.firstSeq + n - 1
    const sessionBlock: SampleBlock = { ...block, firstSeq: block.firstSeq + state.offset }
    state.nextSeq = sessionBlock.firstSeq + n
    recorder.writeEeg(bound, sessionBlock)
  }

  const recorder: Recorder = {
    get boundSessionId() {
      return bound
    },
    get storageError() {
      return storageError
    },
    bind(sessionId) {
      bound = sessionId
    },
    writeEeg(sessionId, block, write = {}) {
      pending.push({ stream: 'eeg', sessionId, block, onCommitted: write.onCommitted })
      events.emit('session.eeg', sessionId, block, write.origin)
    },
    writeFace(sessionId, all, write = {}) {
      const list = unseen(faceStored, sessionId, all)
      pending.push({ stream: 'face', sessionId, events: list, onCommitted: write.onCommitted })
      for (const e of list) events.emit('session.face', sessionId, e, write.origin)
    },
    writeGame(sessionId, all, write = {}) {
      const list = unseen(gameStored, sessionId, all)
      pending.push({ stream: 'game', sessionId, events: list, onCommitted: write.onCommitted })
      for (const e of list) events.emit('session.game', sessionId, e, write.origin)
    },
    writeMarker(sessionId, marker, write = {}) {
      pending.push({ stream: 'marker', sessionId, marker, onCommitted: write.onCommitted })
      events.emit('session.marker', marker, write.origin)
    },
    async flush() {
      flushNow()
    },
    start() {
      events.on('device.samples', onDeviceSamples)
      timer = setInterval(() => {
        try {
          flushNow()
        } catch {
          // logged in flushNow; retried next tick
        }
      }, flushIntervalMs)
      timer.unref?.()
    },
    async stop() {
      events.off('device.samples', onDeviceSamples)
      if (timer) clearInterval(timer)
      timer = null
      flushNow()
    }
  }
  return recorder
}
