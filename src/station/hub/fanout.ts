/**
 * Station bus → WebSocket channels. Each broadcast is encoded once; every recipient's bounded outbox
 * takes the same Buffer, so a slow client only ever costs itself frames. Resources go out in their REST
 * shape (src/station/server/responses.ts), nested in the message envelope.
 */
import type { FaceEvent, GameEventEnvelope } from '../../shared/protocol/common'
import { CLOSE_CODES } from '../../shared/protocol/close-codes'
import type { SyncStatus } from '../../shared/schemas/sync'
import type { Clock } from '../clock'
import type { DeviceStatus } from '../devices/types'
import { toDeviceStatusResponse, toMarkerResponse } from '../server/responses'
import { canSeeSession } from '../sessions/permissions'
import { applyUser, type SessionChannels } from './channels'
import type { HubConnection } from './connection'
import { eegMessage, encode } from './encode'
import type { Monitor } from './monitor'
import type { SessionTimes } from '../ingest/time-window'
import type { BusListeners } from '../events'

export interface FanoutDeps {
  clock: Clock
  connections: Set<HubConnection>
  monitors: Set<HubConnection>
  channels: SessionChannels
  monitor: Monitor
  /** A session's start, end and creation times now (read once per status change, not per message). */
  sessionTimes(sessionId: string): SessionTimes | null
}


export interface Fanout {
  readonly listeners: BusListeners
  /** What a new connection gets right after `hello`: the headset's status and the last sync status. */
  welcome(conn: HubConnection, device: DeviceStatus): void
}

type PendingBatches<T> = Map<string, { sessionId: string; origin?: string; events: T[] }>

export function createFanout(deps: FanoutDeps): Fanout {
  const { clock, connections, monitors, channels, monitor } = deps
  let lastSync: SyncStatus | null = null
  let pendingFace: PendingBatches<FaceEvent> = new Map()
  let pendingGame: PendingBatches<GameEventEnvelope> = new Map()
  let isBatchScheduled = false

  function toSession(sessionId: string, frame: Buffer, kind: 'live' | 'reliable', key: string | null = null, exceptId?: string): void {
    const channel = channels.get(sessionId)
    if (!channel) return
    for (const conn of channel.subscribers) if (conn.id !== exceptId) conn.send(frame, kind, key)
  }

  function toMonitors(sessionId: string, frame: Buffer): void {
    if (monitors.size === 0) return
    const creator = monitor.creatorOf(sessionId)
    for (const conn of monitors) if (canSeeSession(conn.user, creator)) conn.send(frame, 'reliable')
  }

  function hasRecipients(sessionId: string, exceptId?: string): boolean {
    const channel = channels.get(sessionId)
    if (!channel) return false
    for (const conn of channel.subscribers) if (conn.id !== exceptId) return true
    return false
  }

  /** Face and game events arrive one by one on the bus; those of one write leave as one frame. */
  function scheduleBatches(): void {
    if (isBatchScheduled) return
    isBatchScheduled = true
    queueMicrotask(() => {
      isBatchScheduled = false
      const face = pendingFace
      const game = pendingGame
      pendingFace = new Map()
      pendingGame = new Map()
      for (const b of face.values()) toSession(b.sessionId, encode({ type: 'face.events', sessionId: b.sessionId, events: b.events }), 'live', null, b.origin)
      for (const b of game.values()) toSession(b.sessionId, encode({ type: 'game.events', sessionId: b.sessionId, events: b.events }), 'live', null, b.origin)
    })
  }

  const listeners: BusListeners = {
    'session.eeg': (sessionId, block, origin) => {
      monitor.countEeg(sessionId, block.timestampsMs.length)
      if (!hasRecipients(sessionId, origin)) return
      toSession(sessionId, encode(eegMessage(sessionId, block, clock.wallMs())), 'live', null, origin)
    },
    'session.face': (sessionId, event, origin) => {
      monitor.countFace(sessionId)
      if (!hasRecipients(sessionId, origin)) return
      batchOf(pendingFace, sessionId, origin).push({ kind: event.kind, ...(event.id === undefined ? {} : { id: event.id }), tMs: event.tMs, ...event.data } as FaceEvent)
      scheduleBatches()
    },
    'session.game': (sessionId, event, origin) => {
      monitor.countGame(sessionId)
      if (!hasRecipients(sessionId, origin)) return
      batchOf(pendingGame, sessionId, origin).push({ ...(event.id === undefined ? {} : { id: event.id }), tMs: event.tMs, event: event.data as GameEventEnvelope['event'] })
      scheduleBatches()
    },
    'session.marker': (marker) => {
      // Echoed to the producer too: the marker's id is assigned here.
      toSession(marker.sessionId, encode({ type: 'marker.added', sessionId: marker.sessionId, marker: toMarkerResponse(marker) }), 'reliable')
    },
    'fatigue.update': (sessionId, metrics) => {
      monitor.noteFatigue(sessionId, metrics.level, metrics.score)
      toSession(sessionId, encode({ type: 'fatigue.update', sessionId, metrics }), 'live', 'fatigue')
    },
    'alert.raised': (alert) => {
      const frame = encode({ type: 'alert.raised', alert })
      toSession(alert.session_id, frame, 'reliable')
      toMonitors(alert.session_id, frame)
    },
    'alert.acknowledged': (alert) => {
      const frame = encode({ type: 'alert.acknowledged', alert })
      toSession(alert.session_id, frame, 'reliable')
      toMonitors(alert.session_id, frame)
    },
    'device.statusChanged': (status) => {
      if (connections.size === 0) return
      const frame = encode({ type: 'device.status', status: toDeviceStatusResponse(status) })
      for (const conn of connections) conn.send(frame, 'live', 'device')
    },
    'sync.statusChanged': (status) => {
      lastSync = status
      if (connections.size === 0) return
      const frame = encode({ type: 'sync.status', status })
      for (const conn of connections) conn.send(frame, 'live', 'sync')
    },
    'user.changed': ({ userId, role, isRevoked }) => {
      for (const conn of connections) {
        if (conn.user.id !== userId) continue
        // The token this connection opened with no longer works anywhere else; nor does it here.
        if (isRevoked) {
          conn.close(CLOSE_CODES.AUTH_REVOKED, 'signed out everywhere (password changed or account deactivated)')
          continue
        }
        // A new role: monitors filter by it on their next snapshot; a session connection is re-checked now.
        applyUser(channels, conn, { ...conn.user, role }, 'session no longer visible with the new role')
      }
    },
    'session.changed': (sessionId, status) => {
      const frame = encode({ type: 'session.status', sessionId, status })
      toMonitors(sessionId, frame)
      const channel = channels.get(sessionId)
      if (status === null) monitor.forget(sessionId)
      if (!channel) return
      for (const conn of channel.subscribers) conn.send(frame, 'reliable')
      if (status === null) {
        for (const conn of channel.subscribers) conn.close(CLOSE_CODES.SESSION_GONE, 'session deleted')
      } else {
        channel.status = status
        channel.times = deps.sessionTimes(sessionId) ?? channel.times
      }
    }
  }

  return {
    listeners,
    welcome(conn, device) {
      conn.send(encode({ type: 'device.status', status: toDeviceStatusResponse(device) }), 'live', 'device')
      if (lastSync) conn.send(encode({ type: 'sync.status', status: lastSync }), 'live', 'sync')
    }
  }
}

function batchOf<T>(pending: PendingBatches<T>, sessionId: string, origin?: string): T[] {
  const key = origin ? `${sessionId}|${origin}` : sessionId
  let batch = pending.get(key)
  if (!batch) {
    batch = { sessionId, origin, events: [] }
    pending.set(key, batch)
  }
  return batch.events
}
