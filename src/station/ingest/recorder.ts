/**
 * The recorder: binds the headset's stream to the session being recorded and writes session data
 * (EEG from the headset or WebSocket producers, face and game events, markers) to SQLite with group
 * commit: one transaction per flush, every `flushIntervalMs`, never one transaction per message.
 * Every write is emitted on the event bus at once (fan-out and fatigue do not wait for the disk);
 * its `onCommitted` callback runs only after the transaction holding it committed, which is what a
 * producer's `ack` waits for. `flush()` commits everything handed in so far (what "stop" waits for).
 */
import { VigilError } from '../../shared/errors'
import type { SampleBlock } from '../devices/types'
import type { StationEventBus, TimedEvent } from '../events'
import type { Logger } from '../logger'
import type { Marker } from '../sessions/sessions.repository'
import type { LocalDatabase } from '../storage/database'
import { createEegSamplesRepository } from '../storage/eeg-samples.repository'
import { storageErrorOf } from '../storage/storage-errors'
import { keyEvents, type KeyedEvent } from './event-identity'

export interface WriteOptions {
  /** Id of the producing WebSocket connection, passed on with the event so it is not echoed back. */
  origin?: string
  /** Runs once the write is committed (in write order). */
  onCommitted?: () => void
  /** Told how many milliseconds inserting this write's rows took (a producer's storage cost is budgeted). */
  onStorageMs?: (ms: number) => void
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
  /**
   * Queues face or game events. Each is identified by its producer-chosen `id` (or, without one, by its
   * content: ./event-identity.ts): an event already stored or queued under the same identity is a
   * re-send and is skipped; every other event is stored. Throws `CONFLICT`, queuing nothing, when an
   * id already names a different event.
   */
  writeFace(sessionId: string, events: TimedEvent[], options?: WriteOptions): void
  writeGame(sessionId: string, events: TimedEvent[], options?: WriteOptions): void
  writeMarker(sessionId: string, marker: Marker, options?: WriteOptions): void
  /** Commits everything queued so far. */
  flush(): Promise<void>
  start(): void
  stop(): Promise<void>
}

type PendingWrite = { sessionId: string; onCommitted?: () => void; onStorageMs?: (ms: number) => void } & (
  | { stream: 'eeg'; block: SampleBlock }
  | { stream: 'face' | 'game'; events: KeyedEvent[] }
  | { stream: 'marker'; marker: Marker }
)

export interface RecorderOptions {
  flushIntervalMs?: number
}

function queuedKey(stream: 'face' | 'game', sessionId: string, eventId: string): string {
  return `${stream}|${sessionId}|${eventId}`
}

/** What a re-send must repeat exactly for its id to name the same event. */
function contentOf(tMs: number, kind: string, dataJson: string): string {
  return `${tMs}|${kind}|${dataJson}`
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
  // Events carry their identity (migrations/local/007_event_ids.sql); writers use INSERT OR IGNORE.
  const insertFace = db.prepare('INSERT OR IGNORE INTO face_events (session_id, t_ms, kind, data_json, event_id) VALUES (?, ?, ?, ?, ?)')
  const insertGame = db.prepare('INSERT OR IGNORE INTO game_events (session_id, t_ms, kind, data_json, event_id) VALUES (?, ?, ?, ?, ?)')
  const insertMarker = db.prepare('INSERT OR IGNORE INTO markers (uid, session_id, t_ms, label, value, created_by) VALUES (?, ?, ?, ?, ?, ?)')
  const storedEvent = {
    face: db.prepare('SELECT t_ms, kind, data_json FROM face_events WHERE session_id = ? AND event_id = ?'),
    game: db.prepare('SELECT t_ms, kind, data_json FROM game_events WHERE session_id = ? AND event_id = ?')
  }
  /** Identities queued but not yet committed (`stream|session|event id` → content), so a quick re-send is recognised too. */
  const queuedIds = new Map<string, string>()

  /**
   * The events not stored or queued yet (a producer re-sending after a lost ack), so fatigue and viewers
   * see each once. An id naming a different event refuses the whole message before anything is queued.
   */
  function unseen(stream: 'face' | 'game', sessionId: string, all: TimedEvent[]): KeyedEvent[] {
    const fresh: KeyedEvent[] = []
    for (const keyed of keyEvents(all)) {
      const content = contentOf(keyed.event.tMs, keyed.event.kind, keyed.dataJson)
      const row = storedEvent[stream].get(sessionId, keyed.eventId) as { t_ms: number; kind: string; data_json: string } | undefined
      const known = row ? contentOf(row.t_ms, row.kind, row.data_json) : queuedIds.get(queuedKey(stream, sessionId, keyed.eventId))
      if (known === undefined) {
        fresh.push(keyed)
        continue
      }
      if (known !== content) {
        throw new VigilError('CONFLICT', `Event id ${JSON.stringify(keyed.eventId)} already names a different ${stream} event of this session; give each event its own id`, {
          eventId: keyed.eventId
        })
      }
    }
    return fresh
  }
  function forgetQueued(batch: PendingWrite[]): void {
    for (const w of batch) if (w.stream === 'face' || w.stream === 'game') for (const k of w.events) queuedIds.delete(queuedKey(w.stream, w.sessionId, k.eventId))
  }
  const sessionExists = db.prepare('SELECT 1 FROM sessions WHERE id = ?').pluck()

  const commit = db.transaction((batch: PendingWrite[]) => {
    for (const write of batch) {
      const { sessionId } = write
      const startedMs = write.onStorageMs ? performance.now() : 0
      if (write.stream === 'eeg') {
        eegSamples.insertBlock(sessionId, write.block)
      } else if (write.stream === 'marker') {
        const m = write.marker
        insertMarker.run(m.uid, sessionId, m.tMs, m.label, m.value, m.createdBy)
      } else {
        const insert = write.stream === 'face' ? insertFace : insertGame
        for (const k of write.events) insert.run(sessionId, k.event.tMs, k.event.kind, k.dataJson, k.eventId)
      }
      write.onStorageMs?.(performance.now() - startedMs)
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
      forgetQueued(batch.filter((w) => !kept.includes(w)))
      if (kept.length < batch.length) logger.warn({ dropped: batch.length - kept.length }, 'dropped queued writes of deleted sessions')
      // Keep the rows: put them back in front and retry on the next tick (e.g. SQLITE_BUSY).
      pending = kept.concat(pending)
      if (kept.length < batch.length) return
      logger.error({ err }, 'session data write failed; will retry')
      throw err
    }
    if (storageError) logger.warn('the station database accepts writes again; queued rows are committed')
    storageError = null
    forgetQueued(batch)
    for (const write of batch) write.onCommitted?.()
  }

  function queueEvents(stream: 'face' | 'game', sessionId: string, all: TimedEvent[], write: WriteOptions): void {
    const list = unseen(stream, sessionId, all)
    for (const k of list) queuedIds.set(queuedKey(stream, sessionId, k.eventId), contentOf(k.event.tMs, k.event.kind, k.dataJson))
    pending.push({ stream, sessionId, events: list, onCommitted: write.onCommitted, onStorageMs: write.onStorageMs })
    const name = stream === 'face' ? 'session.face' : 'session.game'
    for (const k of list) events.emit(name, sessionId, k.event, write.origin)
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
      pending.push({ stream: 'eeg', sessionId, block, onCommitted: write.onCommitted, onStorageMs: write.onStorageMs })
      events.emit('session.eeg', sessionId, block, write.origin)
    },
    writeFace(sessionId, all, write = {}) {
      queueEvents('face', sessionId, all, write)
    },
    writeGame(sessionId, all, write = {}) {
      queueEvents('game', sessionId, all, write)
    },
    writeMarker(sessionId, marker, write = {}) {
      pending.push({ stream: 'marker', sessionId, marker, onCommitted: write.onCommitted, onStorageMs: write.onStorageMs })
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
