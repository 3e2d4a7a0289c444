/**
 * The recorder: binds the headset's stream to the session being recorded and writes its samples to
 * SQLite with group commit (one transaction per flush, every `flushIntervalMs`), never one
 * transaction per block. `flush()` resolves once everything handed in so far is committed, which is
 * what "stop" waits for before a session reports `completed`.
 */
import type { SampleBlock } from '../devices/types'
import type { StationEventBus } from '../events'
import type { Logger } from '../logger'
import type { LocalDatabase } from '../storage/database'

export interface Recorder {
  /** The session the headset's samples go to, or null when nothing records. */
  readonly boundSessionId: string | null
  bind(sessionId: string | null): void
  /** Queues EEG for a session (used for headset samples and WebSocket producers alike). */
  writeEeg(sessionId: string, block: SampleBlock): void
  /** Commits everything queued so far. */
  flush(): Promise<void>
  start(): void
  stop(): Promise<void>
}

interface PendingBlock {
  sessionId: string
  block: SampleBlock
}

export interface RecorderOptions {
  flushIntervalMs?: number
}

export function createRecorder(db: LocalDatabase, events: StationEventBus, logger: Logger, options: RecorderOptions = {}): Recorder {
  const flushIntervalMs = options.flushIntervalMs ?? 20
  let bound: string | null = null
  // Per-session offset so a headset's own counter (which restarts at 0 on reconnect) maps to
  // increasing per-session sequence numbers: seq = offset + device seq.
  const seqOffsets = new Map<string, { offset: number; lastDeviceSeq: number; nextSeq: number }>()
  let pending: PendingBlock[] = []
  let timer: NodeJS.Timeout | null = null
  const insert = db.prepare('INSERT OR IGNORE INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, ?, ?, ?)')
  const maxSeq = db.prepare('SELECT max(seq) AS seq FROM eeg_samples WHERE session_id = ?')

  const commit = db.transaction((batch: PendingBlock[]) => {
    for (const { sessionId, block } of batch) {
      const n = block.timestampsMs.length
      const stride = block.channelCount
      for (let i = 0; i < n; i++) {
        const values = block.samplesUv.subarray(i * stride, (i + 1) * stride)
        insert.run(sessionId, block.firstSeq + i, block.timestampsMs[i], Buffer.from(values.buffer, values.byteOffset, values.byteLength))
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
      // Keep the rows: put them back in front and retry on the next tick (e.g. SQLITE_BUSY).
      pending = batch.concat(pending)
      logger.error({ err }, 'EEG write failed; will retry')
      throw err
    }
  }

  function onDeviceSamples(block: SampleBlock): void {
    if (!bound) return
    let state = seqOffsets.get(bound)
    if (!state) {
      const row = maxSeq.get(bound) as { seq: number | null }
      const nextSeq = row.seq === null ? 0 : row.seq + 1
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
    bind(sessionId) {
      bound = sessionId
    },
    writeEeg(sessionId, block) {
      pending.push({ sessionId, block })
      events.emit('session.eeg', sessionId, block)
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
