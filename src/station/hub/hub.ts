/**
 * The streaming hub: connections on `/ws/session/:id` and `/ws/monitor`, their heartbeat and token
 * expiry. What each connection sends is handled in ./inbound.ts, what the station's bus broadcasts in
 * ./fanout.ts, the monitor feed in ./monitor.ts. A heartbeat round pings every socket and terminates
 * the ones that did not answer the last ping.
 */
import type { WebSocket } from 'ws'
import { CLOSE_CODES } from '../../shared/protocol/close-codes'
import type { Clock } from '../clock'
import type { DeviceManager } from '../devices/device-manager'
import type { StationEventBus } from '../events'
import type { FatigueService } from '../fatigue/fatigue.service'
import { newId } from '../ids'
import type { Recorder } from '../ingest/recorder'
import type { Logger } from '../logger'
import { canWriteSession } from '../sessions/permissions'
import { findSession, type Session } from '../sessions/sessions.repository'
import type { LocalDatabase } from '../storage/database'
import type { SessionChannel, SessionChannels } from './channels'
import { HubConnection, type ConnectionAuth } from './connection'
import { encode } from './encode'
import { scheduleExpiry } from './expiry'
import { createFanout } from './fanout'
import { createInbound, sendError } from './inbound'
import { createLoopGuard } from './loop-guard'
import { createMonitor } from './monitor'
import { DEFAULT_HUB_OPTIONS, type HubOptions } from './options'
import type { SessionTimes } from '../ingest/time-window'

export interface HubDeps {
  db: LocalDatabase
  events: StationEventBus
  recorder: Recorder
  devices: DeviceManager
  /** `alert.ack` calls its `acknowledge`, as the REST route does. */
  fatigue: Pick<FatigueService, 'acknowledge'>
  clock: Clock
  logger: Logger
}

export interface HubStats {
  connections: number
  sessionConnections: number
  monitorConnections: number
  activeChannels: number
  /** The longest outbox queue right now (bounded by the queue limits). */
  maxQueuedFrames: number
  /** Live frames dropped for slow clients, summed over open connections. */
  droppedFrames: number
  /** Times reading paused for the byte rate, summed over open connections. */
  throttledPauses: number
}

export interface Hub {
  /** Mutable so tests and benchmarks can tighten timings; read on every use. */
  readonly options: HubOptions
  start(): void
  /** Closes every connection with 1001 (going away). */
  stop(): void
  /** Takes over an upgraded socket on `/ws/session/:id`; the caller checked that `auth.user` may see `session`. */
  acceptSession(socket: WebSocket, auth: ConnectionAuth, session: Session): HubConnection
  acceptMonitor(socket: WebSocket, auth: ConnectionAuth): HubConnection
  /** One heartbeat round (the hub runs it every `heartbeatIntervalMs`). */
  heartbeat(): void
  /** Sends one `monitor.snapshot` to every monitor (the hub runs it every `monitorIntervalMs`). */
  publishMonitorSnapshot(): void
  stats(): HubStats
}

export function createHub(deps: HubDeps, overrides: Partial<HubOptions> = {}): Hub {
  const { db, events, recorder, devices, fatigue, clock } = deps
  const logger = deps.logger.child({ component: 'hub' })
  const options: HubOptions = { ...DEFAULT_HUB_OPTIONS, ...overrides }
  const connections = new Set<HubConnection>()
  const monitors = new Set<HubConnection>()
  const channels: SessionChannels = new Map()
  const monitor = createMonitor({ db, recorder, devices, clock, channels, monitors })
  const fanout = createFanout({ clock, connections, monitors, channels, monitor, sessionTimes: (id) => {
      const session = findSession(db, id)
      return session && timesOf(session)
    } })
  const onMessage = createInbound({ options, channels, recorder, devices, fatigue, clock, logger })
  const loopGuard = createLoopGuard(connections, options)
  let heartbeatTimer: NodeJS.Timeout | null = null
  let monitorTimer: NodeJS.Timeout | null = null

  function accept(socket: WebSocket, auth: ConnectionAuth, kind: 'session' | 'monitor', session: Session | null): HubConnection {
    const conn = new HubConnection(
      newId(),
      socket,
      kind,
      session?.id ?? null,
      auth,
      {
        highWaterBytes: options.highWaterBytes,
        maxQueuedLiveFrames: options.maxQueuedLiveFrames,
        maxQueuedReliableFrames: options.maxQueuedReliableFrames,
        drainCheckMs: options.drainCheckMs
      },
      { ratePerS: options.maxMessagesPerS, burst: options.burstMessages, strikesToClose: options.rateStrikesToClose, strikeWindowMs: options.rateStrikeWindowMs },
      { bytesPerS: options.maxBytesPerS, burstBytes: options.burstBytes, busyMsPerS: options.maxBusyMsPerS, burstBusyMs: options.burstBusyMs },
      clock.monotonicMs(),
      (c) => c.close(CLOSE_CODES.TRY_AGAIN_LATER, 'client reads too slowly')
    )
    // Listeners first and synchronously: frames arriving before them would be lost.
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      // Real elapsed time, not the injected clock: this measures what the message cost the event loop.
      const startedMs = performance.now()
      try {
        onMessage(conn, data, isBinary)
      } catch (err) {
        logger.error({ err, connectionId: conn.id }, 'message handling failed')
        sendError(conn, 'INTERNAL', 'The station could not process this message')
      }
      conn.chargeBusy(performance.now() - startedMs, clock)
    })
    socket.on('pong', () => {
      conn.isAlive = true
    })
    socket.on('close', () => release(conn))
    // Logged once by the server's WebSocket error handler (src/station/server/app.ts); ws closes the socket.
    socket.on('error', () => {})

    connections.add(conn)
    let channel: SessionChannel | undefined
    if (session) {
      channel = channels.get(session.id)
      if (!channel) {
        channel = { id: session.id, status: session.status, createdBy: session.createdBy, times: timesOf(session), subscribers: new Set(), producers: new Set() }
        channels.set(session.id, channel)
      }
      channel.subscribers.add(conn)
      conn.canWrite = canWriteSession(conn.user, session)
    } else {
      monitors.add(conn)
    }
    scheduleExpiry(conn, clock, options)
    conn.send(
      encode({
        type: 'hello',
        connectionId: conn.id,
        channel: kind,
        sessionId: channel?.id ?? null,
        sessionStatus: channel?.status ?? null,
        user: { id: conn.user.id, email: conn.user.email, role: conn.user.role },
        canWrite: conn.canWrite,
        tokenExpiresAtMs: conn.tokenExpiresAtMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        limits: {
          maxPayloadBytes: options.maxPayloadBytes,
          maxMessagesPerS: options.maxMessagesPerS,
          burstMessages: options.burstMessages,
          maxBytesPerS: options.maxBytesPerS,
          burstBytes: options.burstBytes,
          maxProducersPerSession: options.maxProducersPerSession
        },
        serverTimeMs: clock.wallMs()
      }),
      'reliable'
    )
    fanout.welcome(conn, devices.status())
    return conn
  }

  function release(conn: HubConnection): void {
    if (!connections.delete(conn)) return
    conn.dispose()
    monitors.delete(conn)
    if (!conn.sessionId) return
    const channel = channels.get(conn.sessionId)
    if (!channel) return
    channel.subscribers.delete(conn)
    channel.producers.delete(conn)
    if (channel.subscribers.size === 0) channels.delete(channel.id)
  }

  function heartbeat(): void {
    for (const conn of connections) {
      if (!conn.isAlive) {
        logger.debug({ connectionId: conn.id }, 'no pong since the last heartbeat; terminating')
        conn.socket.terminate()
        release(conn)
        continue
      }
      conn.isAlive = false
      conn.socket.ping()
    }
  }

  let unsubscribe: (() => void) | null = null

  return {
    options,
    start() {
      unsubscribe = events.subscribe(fanout.listeners)
      const beat = (): void => {
        heartbeat()
        heartbeatTimer = setTimeout(beat, options.heartbeatIntervalMs)
      }
      const snapshot = (): void => {
        try {
          monitor.publishSnapshot()
        } catch (err) {
          logger.error({ err }, 'monitor snapshot failed')
        }
        monitorTimer = setTimeout(snapshot, options.monitorIntervalMs)
      }
      heartbeatTimer = setTimeout(beat, options.heartbeatIntervalMs)
      monitorTimer = setTimeout(snapshot, options.monitorIntervalMs)
      heartbeatTimer.unref()
      monitorTimer.unref()
      loopGuard.start()
    },
    stop() {
      unsubscribe?.()
      unsubscribe = null
      loopGuard.stop()
      if (heartbeatTimer) clearTimeout(heartbeatTimer)
      if (monitorTimer) clearTimeout(monitorTimer)
      heartbeatTimer = monitorTimer = null
      for (const conn of connections) conn.close(CLOSE_CODES.GOING_AWAY, 'station stopping')
    },
    acceptSession: (socket, auth, session) => accept(socket, auth, 'session', session),
    acceptMonitor: (socket, auth) => accept(socket, auth, 'monitor', null),
    heartbeat,
    publishMonitorSnapshot: () => monitor.publishSnapshot(),
    stats() {
      let maxQueuedFrames = 0
      let droppedFrames = 0
      let throttledPauses = 0
      for (const conn of connections) {
        maxQueuedFrames = Math.max(maxQueuedFrames, conn.outbox.queuedFrames)
        droppedFrames += conn.outbox.totalDropped
        throttledPauses += conn.throttled.pauses
      }
      return {
        connections: connections.size,
        sessionConnections: connections.size - monitors.size,
        monitorConnections: monitors.size,
        activeChannels: channels.size,
        maxQueuedFrames,
        droppedFrames,
        throttledPauses
      }
    }
  }
}

function timesOf(session: Session): SessionTimes {
  return { startedAt: session.startedAt, endedAt: session.endedAt, createdAt: session.createdAt }
}
