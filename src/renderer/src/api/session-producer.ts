/**
 * A reliable producer of one kind of data message on a session WebSocket (`face.events`,
 * `game.events`): queued items are batched every `flushIntervalMs` into messages with a per-connection
 * `seq`, kept until the station acks that seq (it acks only after the SQLite commit), and re-sent in
 * order after a reconnect. A batch the station refuses (an `error` naming its seq) is dropped and
 * counted, since re-sending it would be refused again. Every event gets an `id` (this producer's random
 * id and its own event counter), so the station recognises a re-sent event and stores each event
 * exactly once, even two of the same kind at the same millisecond.
 */
import { MAX_EVENTS_PER_MESSAGE } from '@shared/protocol/common'
import type { ClientMessageOf } from '@shared/protocol/client-messages'
import { ackMessageSchema, errorMessageSchema } from '@shared/protocol/station-messages'
import { LiveSocket, type SocketStatus } from './ws'

type EventMessageType = 'face.events' | 'game.events'
type EventOf<T extends EventMessageType> = ClientMessageOf<T>['events'][number]

export interface SessionProducerOptions<T extends EventMessageType> {
  sessionId: string
  type: T
  flushIntervalMs?: number
  /** Unacknowledged messages kept for re-sending; beyond that the oldest are dropped (and counted). */
  maxUnackedMessages?: number
  /** Every other station message (broadcasts, status), for callers that also listen. */
  onMessage?(message: unknown): void
  onStatus?(status: SocketStatus, detail?: string): void
  /** A station `error` reply (e.g. SESSION_NOT_RECORDING): that batch was not stored. */
  onError?(code: string, message: string): void
  /** The station committed a batch (e.g. to clear an error shown after a refusal). */
  onAck?(): void
}

export interface SessionProducer<T extends EventMessageType> {
  send(event: EventOf<T>): void
  /** Sends what is queued now (end of drive, page hide). */
  flush(): void
  readonly stats: { sent: number; acked: number; dropped: number }
  dispose(): void
}

export function createSessionProducer<T extends EventMessageType>(options: SessionProducerOptions<T>): SessionProducer<T> {
  type Message = { type: T; v: 1; seq: number; events: EventOf<T>[] }
  const maxUnacked = options.maxUnackedMessages ?? 12_000
  let queue: EventOf<T>[] = []
  const unacked: Message[] = []
  let seq = 0
  const producerId = randomProducerId()
  let eventCount = 0
  const stats = { sent: 0, acked: 0, dropped: 0 }

  const socket = new LiveSocket({
    path: `/api/v1/ws/session/${encodeURIComponent(options.sessionId)}`,
    onMessage(message) {
      const type = (message as { type?: unknown }).type
      if (type === 'ack') {
        const ack = ackMessageSchema.safeParse(message)
        if (!ack.success) return
        while (unacked.length > 0 && unacked[0].seq <= ack.data.seq) stats.acked += unacked.shift()!.events.length
        options.onAck?.()
        return
      }
      if (type === 'error') {
        const error = errorMessageSchema.safeParse(message)
        if (error.success) {
          const refusedSeq = error.data.inReplyTo?.seq
          const i = refusedSeq == null ? -1 : unacked.findIndex((m) => m.seq === refusedSeq)
          if (i >= 0) stats.dropped += unacked.splice(i, 1)[0].events.length
          options.onError?.(error.data.code, error.data.message)
        }
        return
      }
      options.onMessage?.(message)
    },
    onStatus(status, detail) {
      // After a reconnect everything not yet acknowledged goes again, in order; the station ignores
      // what it already stored.
      if (status === 'open') for (const m of unacked) socket.send(m)
      options.onStatus?.(status, detail)
    }
  })

  const flush = () => {
    while (queue.length > 0) {
      const message: Message = { type: options.type, v: 1, seq: seq++, events: queue.slice(0, MAX_EVENTS_PER_MESSAGE) }
      queue = queue.slice(MAX_EVENTS_PER_MESSAGE)
      unacked.push(message)
      if (unacked.length > maxUnacked) stats.dropped += unacked.shift()!.events.length
      stats.sent += message.events.length
      socket.send(message)
    }
  }
  const timer = setInterval(flush, options.flushIntervalMs ?? 100)
  socket.start()

  return {
    send(event) {
      queue.push(event.id === undefined ? ({ ...event, id: `${producerId}:${eventCount++}` } as EventOf<T>) : event)
    },
    flush,
    stats,
    dispose() {
      flush()
      clearInterval(timer)
      // Give the last batch a moment to leave before closing.
      setTimeout(() => socket.stop(), 300)
    }
  }
}

/** 128 random bits as hex; `crypto.getRandomValues` works outside secure contexts too (unlike `randomUUID`). */
export function randomProducerId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}
