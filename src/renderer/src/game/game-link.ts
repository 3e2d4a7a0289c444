/**
 * The socket boundary of the game: simulation events become `game.events` messages on the session
 * WebSocket (wall-clock `tMs` in the envelope, the game's event unchanged inside), sent by the
 * session producer (batched every 100 ms, kept until acked, re-sent after a reconnect). Operator commands arrive
 * the same way, as `drive_command` events broadcast on the session.
 */
import { driveWireEventSchema, type DriveCommand, type DriveWireEvent, type GameEvent } from '@shared/game/events'
import { gameEventsMessageSchema, sessionStatusMessageSchema } from '@shared/protocol/station-messages'
import type { ClientMessageOf } from '@shared/protocol/client-messages'
import { createSessionProducer, randomProducerId } from '../api/session-producer'
import type { SocketStatus } from '../api/ws'

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
  const producer = createSessionProducer({
    sessionId: options.sessionId,
    type: 'game.events',
    onStatus: options.onStatus,
    onError: options.onError,
    onAck: options.onAck,
    onMessage(message) {
      const type = (message as { type?: unknown }).type
      if (type === 'game.events') {
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
      }
    }
  })
  return {
    send: (event, epochMs) => producer.send({ tMs: epochMs, event }),
    flush: producer.flush,
    stats: producer.stats,
    dispose: producer.dispose
  }
}

/** Sends one operator command to the participant's screen (used by DriveControl). */
export function driveCommandMessage(command: DriveCommand, seq: number): GameEventsMessage {
  return { type: 'game.events', v: 1, seq, events: [{ id: randomProducerId(), tMs: Date.now(), event: { kind: 'drive_command', command } }] }
}
