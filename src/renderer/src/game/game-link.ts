/**
 * The socket boundary of the game: simulation events become `game.events` messages on the session
 * WebSocket (wall-clock `tMs` in the envelope, the game's event unchanged inside), batched every
 * 100 ms, kept until the station acks them and re-sent after a reconnect. Operator commands arrive
 * the same way, as `drive_command` events broadcast on the session.
 */
import { driveWireEventSchema, type DriveCommand, type DriveWireEvent, type GameEvent } from '@shared/game'
import { MAX_EVENTS_PER_MESSAGE } from '@shared/protocol/common'
import { ackMessageSchema, errorMessageSchema, gameEventsMessageSchema, sessionStatusMessageSchema } from '@shared/protocol/station-messages'
import type { ClientMessageOf } from '@shared/protocol/client-messages'
import { LiveSocket, type SocketStatus } from '../api/ws'

const FLUSH_INTERVAL_MS = 100
/** About 20 minutes of telemetry; beyond that the oldest unacknowledged batches are dropped (and counted). */
const MAX_UNACKED_MESSAGES = 12_000

export interface GameLinkOptions {
  sessionId: string
  onCommand(command: DriveCommand): void
  onStatus?(status: SocketStatus, detail?: string): void
  /** A station `error` reply (e.g. SESSION_NOT_RECORDING): the data was not stored. */
  onError?(code: string, message: string): void
  /** The station committed data again after an error. */
  onAck?(): void
  /** The session was paused, stopped or deleted (null); the drive should follow. */
  onSessionStatus?(status: string | null): void
}

export interface GameLink {
  /** Queues one event stamped with a wall-clock time (epoch ms). */
  send(event: GameEvent | DriveWireEvent, epochMs: number): void
  /** Sends what is queued now (end of drive, page hide). */
  flush(): void
  readonly stats: { sent: number; acked: number; dropped: number }
  dispose(): void
}

type GameEventsMessage = ClientMessageOf<'game.events'>

export function createGameLink(options: GameLinkOptions): GameLink {
  let queue: GameEventsMessage['events'] = []
  const unacked: GameEventsMessage[] = []
  let seq = 0
  const stats = { sent: 0, acked: 0, dropped: 0 }

  const socket = new LiveSocket({
    path: `/api/v1/ws/session/${encodeURIComponent(options.sessionId)}`,
    onMessage(message) {
      const type = (message as { type?: unknown }).type
      if (type === 'ack') {
        const ack = ackMessageSchema.safeParse(message)
        if (!ack.success) return
        while (unacked.length > 0 && unacked[0].seq <= ack.data.seq) {
          stats.acked += unacked.shift()!.events.length
        }
        options.onAck?.()
      } else if (type === 'game.events') {
        const parsed = gameEventsMessageSchema.safeParse(message)
        if (!parsed.success) return
        for (const envelope of parsed.data.events) {
          if (envelope.event.kind !== 'drive_command') continue
          const wire = driveWireEventSchema.safeParse(envelope.event)
          if (wire.success && wire.data.kind === 'drive_command') options.onCommand(wire.data.command)
        }
      } else if (type === 'session.status') {
        const status = sessionStatusMessageSchema.safeParse(message)
        if (status.success && status.data.sessionId === options.sessionId) options.onSessionStatus?.(status.data.status)
      } else if (type === 'error') {
        const error = errorMessageSchema.safeParse(message)
        if (!error.success) return
        // a refused batch will not be accepted on a retry either
        const refusedSeq = error.data.inReplyTo?.seq
        if (refusedSeq != null) {
          const i = unacked.findIndex((m) => m.seq === refusedSeq)
          if (i >= 0) stats.dropped += unacked.splice(i, 1)[0].events.length
        }
        options.onError?.(error.data.code, error.data.message)
      }
    },
    onStatus(status, detail) {
      // after a reconnect, everything not yet acknowledged goes again, in order
      if (status === 'open') for (const m of unacked) socket.send(m)
      options.onStatus?.(status, detail)
    }
  })

  const flush = () => {
    while (queue.length > 0) {
      const message: GameEventsMessage = { type: 'game.events', v: 1, seq: seq++, events: queue.slice(0, MAX_EVENTS_PER_MESSAGE) }
      queue = queue.slice(MAX_EVENTS_PER_MESSAGE)
      unacked.push(message)
      if (unacked.length > MAX_UNACKED_MESSAGES) stats.dropped += unacked.shift()!.events.length
      stats.sent += message.events.length
      socket.send(message)
    }
  }
  const timer = setInterval(flush, FLUSH_INTERVAL_MS)
  socket.start()

  return {
    send(event, epochMs) {
      queue.push({ tMs: epochMs, event })
    },
    flush,
    stats,
    dispose() {
      flush()
      clearInterval(timer)
      // give the last batch a moment to leave before closing
      setTimeout(() => socket.stop(), 300)
    }
  }
}

/** Sends one operator command to the participant's screen (used by DriveControl). */
export function driveCommandMessage(command: DriveCommand, seq: number): GameEventsMessage {
  return { type: 'game.events', v: 1, seq, events: [{ tMs: Date.now(), event: { kind: 'drive_command', command } }] }
}
