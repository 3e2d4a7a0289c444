/**
 * The streaming hub: per-session fan-out and the monitor feed.
 *
 * Inbound: each WebSocket message is rate-limited, parsed and validated against the protocol's zod
 * union; data goes to the recorder (the same path as the headset: storage, fatigue, fan-out) and the
 * producer gets `ack {seq}` once its write committed. Invalid input gets an `error` reply and the
 * connection stays open unless it keeps misbehaving.
 *
 * Outbound: the hub listens to the station's event bus and encodes each broadcast once; every
 * recipient's bounded outbox takes the same Buffer, so a slow client only ever costs itself frames.
 * A heartbeat round pings every socket and terminates the ones that did not answer the last ping.
 */
import type { WebSocket } from 'ws'
import { isVigilError, type ErrorCode } from '../../shared/errors'
import { clientMessageSchema, type ClientMessage, type ClientMessageOf, type DataMessage } from '../../shared/protocol/client-messages'
import { CLOSE_CODES, closeCodeFor } from '../../shared/protocol/close-codes'
import { decodeEegFrame } from '../../shared/protocol/eeg-frame'
import type { FaceEvent, FatigueLevel, GameEventEnvelope, SessionSummary, SyncStatus } from '../../shared/protocol/common'
import type { StationMessageOf } from '../../shared/protocol/station-messages'
import type { AuthUser } from '../auth/types'
import type { StationContext } from '../context'
import type { DeviceStatus, SampleBlock } from '../devices/types'
import type { StationEvents, TimedEvent } from '../events'
import { newId } from '../ids'
import { checkInWindow, sessionTimeWindow } from '../ingest/time-window'
import { findSession, type Session } from '../sessions/sessions.repository'
import { canReadSession, canWriteSession } from '../sessions/sessions.service'
import { HubConnection, type ConnectionAuth } from './connection'
import { eegMessage, encode } from './encode'

export interface HubOptions {
  /** Ping interval; a socket that missed the previous ping is terminated. */
  heartbeatIntervalMs: number
  /** Period of `monitor.snapshot` (1 Hz by default). */
  monitorIntervalMs: number
  maxMessagesPerS: number
  burstMessages: number
  rateStrikesToClose: number
  rateStrikeWindowMs: number
  /** Consecutive invalid messages that close a connection (4400). */
  maxInvalidInARow: number
  highWaterBytes: number
  maxQueuedLiveFrames: number
  maxQueuedReliableFrames: number
  drainCheckMs: number
  /** How long before token expiry `auth.expiring` is sent. */
  expiryWarningMs: number
  /** The ws `maxPayload`, announced in `hello`. */
  maxPayloadBytes: number
  /** How far a producer's timestamps may lie outside [session start, now] (src/station/ingest/time-window.ts). */
  clockToleranceMs: number
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  heartbeatIntervalMs: 15_000,
  monitorIntervalMs: 1000,
  maxMessagesPerS: 200,
  burstMessages: 400,
  rateStrikesToClose: 3,
  rateStrikeWindowMs: 10_000,
  maxInvalidInARow: 20,
  highWaterBytes: 256 * 1024,
  maxQueuedLiveFrames: 256,
  maxQueuedReliableFrames: 2048,
  drainCheckMs: 10,
  expiryWarningMs: 60_000,
  maxPayloadBytes: 1024 * 1024,
  clockToleranceMs: 120_000
}

const MAX_TIMER_MS = 2 ** 31 - 1

export type HubDeps = Pick<StationContext, 'db' | 'events' | 'recorder' | 'devices' | 'clock' | 'logger'>

export interface HubStats {
  connections: number
  sessionConnections: number
  monitorConnections: number
  activeChannels: number
  /** The longest outbox queue right now (bounded by the queue limits). */
  maxQueuedFrames: number
  /** Live frames dropped for slow clients, summed over open connections. */
  droppedFrames: number
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

interface SessionChannel {
  id: string
  status: string
  createdBy: string
  subscribers: Set<HubConnection>
  producers: Set<HubConnection>
}

interface SessionActivity {
  eegSamples: number
  faceEvents: number
  gameEvents: number
  fatigueLevel: FatigueLevel
  fatigueScore: number | null
}

interface ActiveSessionRow {
  id: string
  name: string
  participant_code: string
  status: string
  started_at: string | null
  created_by: string
  email: string | null
  full_name: string | null
  alert_count: number
}

function deviceStatusMessage(status: DeviceStatus): StationMessageOf<'device.status'> extends infer M ? Omit<M, 'v'> : never {
  const d = status.descriptor
  return {
    type: 'device.status',
    state: status.state,
    kind: d?.kind ?? null,
    model: d?.model ?? null,
    channelNames: d ? [...d.channelNames] : [],
    sampleRateHz: d?.sampleRateHz ?? null,
    quality: [...status.quality],
    stats: { ...status.stats },
    ...(status.detail ? { detail: status.detail } : {})
  }
}

/** The timestamps a data message carries, and how to name the i-th in an error. */
function timesOf(msg: DataMessage): [number[], (i: number) => string] {
  switch (msg.type) {
    case 'eeg.samples':
      return [msg.tMs, (i) => `tMs[${i}]`]
    case 'face.events':
    case 'game.events':
      return [msg.events.map((e) => e.tMs), (i) => `events[${i}].tMs`]
    case 'marker.add':
      return [[msg.tMs], () => 'tMs']
  }
}

/** Visible to a user: non-students see every session, students their own (the REST rule). */
function canSee(user: AuthUser, createdBy: string | undefined): boolean {
  return createdBy === undefined ? user.role !== 'student' : canReadSession(user, { createdBy })
}

export function createHub(deps: HubDeps, overrides: Partial<HubOptions> = {}): Hub {
  const { db, events, recorder, devices, clock } = deps
  const logger = deps.logger.child({ component: 'hub' })
  const options: HubOptions = { ...DEFAULT_HUB_OPTIONS, ...overrides }
  const connections = new Set<HubConnection>()
  const monitors = new Set<HubConnection>()
  const channels = new Map<string, SessionChannel>()
  const activity = new Map<string, SessionActivity>()
  /** Session → creator, remembered so a deleted session's last status reaches the right monitors. */
  const owners = new Map<string, string>()
  let lastSync: SyncStatus | null = null
  let heartbeatTimer: NodeJS.Timeout | null = null
  let monitorTimer: NodeJS.Timeout | null = null
  let lastSnapshotMs = clock.monotonicMs()
  let pendingFace = new Map<string, { sessionId: string; origin?: string; events: FaceEvent[] }>()
  let pendingGame = new Map<string, { sessionId: string; origin?: string; events: GameEventEnvelope[] }>()
  let isBatchScheduled = false

  const activeSessions = db.prepare(
    `SELECT s.id, s.name, s.participant_code, s.status, s.started_at, s.created_by, u.email, u.full_name,
            (SELECT count(*) FROM alerts a WHERE a.session_id = s.id) AS alert_count
       FROM sessions s LEFT JOIN users u ON u.id = s.created_by
      WHERE s.status IN ('recording', 'paused')
      ORDER BY s.started_at`
  )
  const ownerOf = db.prepare('SELECT created_by FROM sessions WHERE id = ?').pluck()

  function activityOf(sessionId: string): SessionActivity {
    let a = activity.get(sessionId)
    if (!a) {
      a = { eegSamples: 0, faceEvents: 0, gameEvents: 0, fatigueLevel: 'unknown', fatigueScore: null }
      activity.set(sessionId, a)
    }
    return a
  }

  function ownerOfSession(sessionId: string): string | undefined {
    const known = channels.get(sessionId)?.createdBy ?? owners.get(sessionId)
    if (known) return known
    const fromDb = ownerOf.get(sessionId) as string | undefined
    if (fromDb) owners.set(sessionId, fromDb)
    return fromDb
  }

  // ---- outbound -------------------------------------------------------------------------------

  function toSession(sessionId: string, frame: Buffer, kind: 'live' | 'reliable', key: string | null = null, exceptId?: string): void {
    const channel = channels.get(sessionId)
    if (!channel) return
    for (const conn of channel.subscribers) if (conn.id !== exceptId) conn.send(frame, kind, key)
  }

  function toMonitors(sessionId: string, frame: Buffer): void {
    if (monitors.size === 0) return
    const owner = ownerOfSession(sessionId)
    for (const conn of monitors) if (canSee(conn.user, owner)) conn.send(frame, 'reliable')
  }

  function hasRecipients(sessionId: string, exceptId?: string): boolean {
    const channel = channels.get(sessionId)
    if (!channel) return false
    for (const conn of channel.subscribers) if (conn.id !== exceptId) return true
    return false
  }

  const listeners: { [K in keyof StationEvents]?: (...args: StationEvents[K]) => void } = {
    'session.eeg': (sessionId, block, origin) => {
      activityOf(sessionId).eegSamples += block.timestampsMs.length
      if (!hasRecipients(sessionId, origin)) return
      toSession(sessionId, encode(eegMessage(sessionId, block, clock.wallMs())), 'live', null, origin)
    },
    'session.face': (sessionId, event, origin) => {
      activityOf(sessionId).faceEvents++
      if (!hasRecipients(sessionId, origin)) return
      batchOf(pendingFace, sessionId, origin).push({ kind: event.kind, tMs: event.tMs, ...event.data } as FaceEvent)
      scheduleBatches()
    },
    'session.game': (sessionId, event, origin) => {
      activityOf(sessionId).gameEvents++
      if (!hasRecipients(sessionId, origin)) return
      batchOf(pendingGame, sessionId, origin).push({ tMs: event.tMs, event: event.data as GameEventEnvelope['event'] })
      scheduleBatches()
    },
    'session.marker': (marker) => {
      const { sessionId, ...rest } = marker
      // Echoed to the producer too: the marker's id is assigned here.
      toSession(sessionId, encode({ type: 'marker.added', sessionId, marker: rest }), 'reliable')
    },
    'fatigue.update': (update) => {
      const a = activityOf(update.sessionId)
      a.fatigueLevel = update.level
      a.fatigueScore = update.score
      toSession(update.sessionId, encode({ type: 'fatigue.update', ...update }), 'live', 'fatigue')
    },
    'alert.raised': (alert) => {
      const frame = encode({ type: 'alert.raised', alert })
      toSession(alert.sessionId, frame, 'reliable')
      toMonitors(alert.sessionId, frame)
    },
    'alert.acknowledged': (ack) => {
      const frame = encode({ type: 'alert.acknowledged', ...ack })
      toSession(ack.sessionId, frame, 'reliable')
      toMonitors(ack.sessionId, frame)
    },
    'device.statusChanged': (status) => {
      if (connections.size === 0) return
      const frame = encode(deviceStatusMessage(status))
      for (const conn of connections) conn.send(frame, 'live', 'device')
    },
    'sync.statusChanged': (status) => {
      lastSync = status
      if (connections.size === 0) return
      const frame = encode({ type: 'sync.status', ...status })
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
        applyUser(conn, { ...conn.user, role }, 'session no longer visible with the new role')
      }
    },
    'session.changed': (sessionId, status) => {
      const frame = encode({ type: 'session.status', sessionId, status })
      toMonitors(sessionId, frame)
      const channel = channels.get(sessionId)
      if (status === null) {
        activity.delete(sessionId)
        owners.delete(sessionId)
      }
      if (!channel) return
      for (const conn of channel.subscribers) conn.send(frame, 'reliable')
      if (status === null) {
        for (const conn of channel.subscribers) conn.close(CLOSE_CODES.SESSION_GONE, 'session deleted')
      } else {
        channel.status = status
      }
    }
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

  // ---- inbound --------------------------------------------------------------------------------

  function onMessage(conn: HubConnection, data: Buffer, isBinary: boolean): void {
    conn.isAlive = true
    const nowMs = clock.monotonicMs()
    if (!conn.limiter.take(nowMs)) {
      const verdict = conn.limiter.strike(nowMs)
      if (verdict === 'report') sendError(conn, 'RATE_LIMITED', `More than ${options.maxMessagesPerS} messages/s (burst ${options.burstMessages}); message dropped`)
      if (verdict === 'close') conn.close(CLOSE_CODES.RATE_LIMITED, 'message rate limit exceeded repeatedly')
      return
    }
    if (isBinary) return acceptEegFrame(conn, data)
    let raw: unknown
    try {
      raw = JSON.parse(data.toString('utf8'))
    } catch (err) {
      return invalid(conn, 'VALIDATION_FAILED', `Invalid JSON: ${(err as Error).message}`)
    }
    const parsed = clientMessageSchema.safeParse(raw)
    if (!parsed.success) {
      const head = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}
      const inReplyTo = { type: typeof head.type === 'string' ? head.type : null, seq: typeof head.seq === 'number' ? head.seq : null }
      const issues = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message }))
      const first = issues[0]
      const message = inReplyTo.type === null && !('type' in head) ? 'Message has no "type"' : `Invalid ${inReplyTo.type ?? 'message'}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'rejected'}`
      return invalid(conn, 'VALIDATION_FAILED', message, inReplyTo, issues)
    }
    conn.invalidInARow = 0
    dispatch(conn, parsed.data)
  }

  function invalid(conn: HubConnection, code: ErrorCode, message: string, inReplyTo?: { type: string | null; seq: number | null }, issues?: { path: (string | number)[]; message: string }[]): void {
    sendError(conn, code, message, inReplyTo, issues)
    if (++conn.invalidInARow >= options.maxInvalidInARow) conn.close(CLOSE_CODES.TOO_MANY_INVALID, 'too many invalid messages in a row')
  }

  function dispatch(conn: HubConnection, msg: ClientMessage): void {
    switch (msg.type) {
      case 'ping':
        conn.send(encode({ type: 'pong', id: msg.id ?? null, serverTimeMs: clock.wallMs() }), 'reliable')
        return
      case 'auth.refresh':
        return refreshAuth(conn, msg.token)
      case 'alert.ack': {
        const channel = conn.sessionId ? channels.get(conn.sessionId) : undefined
        if (!channel) return sendError(conn, 'BAD_REQUEST', 'alert.ack is accepted on /ws/session/:id only', { type: msg.type, seq: null })
        if (!conn.canWrite) return sendError(conn, 'AUTH_FORBIDDEN', 'Only the creator of the session or an admin can acknowledge its alerts', { type: msg.type, seq: null })
        events.emit('alert.ackRequested', channel.id, msg.alertId, conn.user.id)
        return
      }
      default:
        return acceptData(conn, msg)
    }
  }

  /**
   * The session a data message may be written to, or null after answering with the reason it may not.
   * `times` are the message's timestamps, each named by `nameOf` in the refusal.
   */
  function admit(conn: HubConnection, type: DataMessage['type'], seq: number, times: ArrayLike<number>, nameOf: (i: number) => string): SessionChannel | null {
    const refuse = (code: ErrorCode, message: string): null => {
      sendError(conn, code, message, { type, seq })
      return null
    }
    const channel = conn.sessionId ? channels.get(conn.sessionId) : undefined
    if (!channel) return refuse('BAD_REQUEST', `${type} is accepted on /ws/session/:id only`)
    if (!conn.canWrite) return refuse('AUTH_FORBIDDEN', 'Only the creator of the session or an admin can send data to it')
    if (channel.status !== 'recording') {
      return refuse('SESSION_NOT_RECORDING', `The session is ${channel.status}; data is accepted while it is recording`)
    }
    if (seq <= conn.lastSeq) return refuse('BAD_REQUEST', `seq ${seq} is not greater than the previous seq ${conn.lastSeq}`)
    if (recorder.storageError) return refuse(recorder.storageError.code, recorder.storageError.message)
    // With a headset connected, a recording session takes EEG from it alone (one sample sequence per session).
    if (type === 'eeg.samples' && recorder.boundSessionId === channel.id && devices.status().state !== 'disconnected') {
      return refuse('CONFLICT', "This session records the station's headset; it does not take EEG from clients")
    }
    const session = findSession(db, channel.id)
    if (!session) return refuse('NOT_FOUND', 'Session not found')
    try {
      checkInWindow(times, sessionTimeWindow(session, clock.wallMs(), options.clockToleranceMs), nameOf)
    } catch (err) {
      if (!isVigilError(err)) throw err
      invalid(conn, err.code, err.message, { type, seq })
      return null
    }
    conn.lastSeq = seq
    channel.producers.add(conn)
    return channel
  }

  function acceptData(conn: HubConnection, msg: DataMessage): void {
    const [times, nameOf] = timesOf(msg)
    const channel = admit(conn, msg.type, msg.seq, times, nameOf)
    if (!channel) return
    const seq = msg.seq
    const write = { origin: conn.id, onCommitted: () => conn.committed(seq) }
    switch (msg.type) {
      case 'eeg.samples':
        return recorder.writeEeg(channel.id, sampleBlockOf(msg), write)
      case 'face.events':
        return recorder.writeFace(channel.id, msg.events.map(faceToTimed), write)
      case 'game.events':
        return recorder.writeGame(channel.id, msg.events.map(gameToTimed), write)
      case 'marker.add':
        return recorder.writeMarker(channel.id, { id: newId(), tMs: msg.tMs, label: msg.label, value: msg.value ?? null, createdBy: conn.user.id }, write)
    }
  }

  /** The binary form of `eeg.samples` (src/shared/protocol/eeg-frame.ts): same checks, same ack. */
  function acceptEegFrame(conn: HubConnection, data: Buffer): void {
    const result = decodeEegFrame(data)
    if (!result.ok) return invalid(conn, 'VALIDATION_FAILED', result.message, { type: 'eeg.samples', seq: result.seq })
    conn.invalidInARow = 0
    const { frame } = result
    const channel = admit(conn, 'eeg.samples', frame.seq, frame.tMs, (i) => `tMs[${i}]`)
    if (!channel) return
    const block: SampleBlock = { firstSeq: frame.firstSampleSeq, channelCount: frame.channelCount, timestampsMs: frame.tMs, samplesUv: frame.samplesUv }
    recorder.writeEeg(channel.id, block, { origin: conn.id, onCommitted: () => conn.committed(frame.seq) })
  }

  /**
   * Gives a connection its user as verified now (new token, new role): a session connection that user
   * may no longer read closes with 4004, otherwise its write permission follows. False when closed.
   */
  function applyUser(conn: HubConnection, user: HubConnection['user'], reason: string): boolean {
    conn.user = user
    if (!conn.sessionId) return true
    const channel = channels.get(conn.sessionId)
    if (!channel || !canReadSession(user, channel)) {
      conn.close(CLOSE_CODES.SESSION_GONE, reason)
      return false
    }
    conn.canWrite = canWriteSession(user, channel)
    return true
  }

  function refreshAuth(conn: HubConnection, token: string): void {
    conn.auth.reauthenticate(token).then(
      ({ user, tokenExpiresAtMs }) => {
        if (!conn.isOpen) return
        if (user.id !== conn.user.id) return conn.close(CLOSE_CODES.AUTH_REVOKED, 'auth.refresh carried a token of another user')
        if (!applyUser(conn, user, 'session no longer visible')) return
        conn.tokenExpiresAtMs = tokenExpiresAtMs
        scheduleExpiry(conn)
        conn.send(encode({ type: 'auth.refreshed', tokenExpiresAtMs }), 'reliable')
      },
      (err: unknown) => {
        if (!conn.isOpen) return
        // The current token stays valid until it expires; the client may try again.
        if (isVigilError(err)) sendError(conn, err.code, `auth.refresh rejected: ${err.message}`, { type: 'auth.refresh', seq: null })
        else {
          logger.error({ err }, 'auth.refresh failed')
          sendError(conn, 'INTERNAL', 'auth.refresh failed', { type: 'auth.refresh', seq: null })
        }
      }
    )
  }

  function scheduleExpiry(conn: HubConnection): void {
    conn.clearExpiryTimers()
    const remainingMs = conn.tokenExpiresAtMs - clock.wallMs()
    // setTimeout fires at once beyond 2^31-1 ms (~24.8 days): a very long token lifetime is re-armed in steps.
    if (remainingMs - options.expiryWarningMs > MAX_TIMER_MS) {
      conn.expiryTimers.push(setTimeout(() => scheduleExpiry(conn), MAX_TIMER_MS))
      return
    }
    const warnInMs = remainingMs - options.expiryWarningMs
    if (warnInMs > 0) {
      conn.expiryTimers.push(setTimeout(() => conn.send(encode({ type: 'auth.expiring', tokenExpiresAtMs: conn.tokenExpiresAtMs }), 'reliable'), warnInMs))
    }
    conn.expiryTimers.push(setTimeout(() => conn.close(closeCodeFor('AUTH_TOKEN_EXPIRED'), 'access token expired'), Math.max(0, remainingMs)))
  }

  // ---- connections ----------------------------------------------------------------------------

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
      clock.monotonicMs(),
      (c) => c.close(CLOSE_CODES.TRY_AGAIN_LATER, 'client reads too slowly')
    )
    // Listeners first and synchronously: frames arriving before them would be lost.
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        onMessage(conn, data, isBinary)
      } catch (err) {
        logger.error({ err, connectionId: conn.id }, 'message handling failed')
        sendError(conn, 'INTERNAL', 'The station could not process this message')
      }
    })
    socket.on('pong', () => {
      conn.isAlive = true
    })
    socket.on('close', () => release(conn))
    socket.on('error', (err) => logger.debug({ err, connectionId: conn.id }, 'websocket error'))

    connections.add(conn)
    let channel: SessionChannel | undefined
    if (session) {
      channel = channels.get(session.id)
      if (!channel) {
        channel = { id: session.id, status: session.status, createdBy: session.createdBy, subscribers: new Set(), producers: new Set() }
        channels.set(session.id, channel)
      }
      channel.subscribers.add(conn)
      conn.canWrite = canWriteSession(conn.user, session)
    } else {
      monitors.add(conn)
    }
    scheduleExpiry(conn)
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
        limits: { maxPayloadBytes: options.maxPayloadBytes, maxMessagesPerS: options.maxMessagesPerS, burstMessages: options.burstMessages },
        serverTimeMs: clock.wallMs()
      }),
      'reliable'
    )
    conn.send(encode(deviceStatusMessage(devices.status())), 'live', 'device')
    if (lastSync) conn.send(encode({ type: 'sync.status', ...lastSync }), 'live', 'sync')
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

  // ---- periodic -------------------------------------------------------------------------------

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

  function publishMonitorSnapshot(): void {
    const nowMono = clock.monotonicMs()
    const elapsedS = Math.max(0.001, (nowMono - lastSnapshotMs) / 1000)
    lastSnapshotMs = nowMono
    const rows = activeSessions.all() as ActiveSessionRow[]
    const device = devices.status()
    // The recorder stays bound while a session records even without a headset; only a live headset is a source.
    const bound = device.state === 'disconnected' ? null : recorder.boundSessionId
    const quality = bound ? device.quality : []
    const summaries: { createdBy: string; summary: SessionSummary }[] = rows.map((row) => {
      owners.set(row.id, row.created_by)
      const a = activity.get(row.id)
      const channel = channels.get(row.id)
      const eegRate = a ? a.eegSamples / elapsedS : 0
      const summary: SessionSummary = {
        sessionId: row.id,
        name: row.name,
        participantCode: row.participant_code,
        status: row.status,
        startedAt: row.started_at,
        recordedBy: row.email ? { id: row.created_by, email: row.email, fullName: row.full_name } : null,
        eegSource: bound === row.id ? 'headset' : eegRate > 0 ? 'client' : 'none',
        signalQuality: bound === row.id ? [...quality] : [],
        fatigueLevel: a?.fatigueLevel ?? 'unknown',
        fatigueScore: a?.fatigueScore ?? null,
        alertCount: row.alert_count,
        viewers: channel ? channel.subscribers.size - channel.producers.size : 0,
        producers: channel?.producers.size ?? 0,
        rates: {
          eegSamplesPerS: Math.round(eegRate * 10) / 10,
          faceEventsPerS: a ? Math.round((a.faceEvents / elapsedS) * 10) / 10 : 0,
          gameEventsPerS: a ? Math.round((a.gameEvents / elapsedS) * 10) / 10 : 0
        }
      }
      return { createdBy: row.created_by, summary }
    })
    // Counters restart each window; sessions that stopped are forgotten.
    const active = new Set(rows.map((r) => r.id))
    for (const [id, a] of activity) {
      if (!active.has(id)) activity.delete(id)
      else a.eegSamples = a.faceEvents = a.gameEvents = 0
    }
    if (monitors.size === 0) return
    const tMs = clock.wallMs()
    // Everyone who sees everything shares one frame; each student gets the subset they own.
    const frames = new Map<string, Buffer>()
    for (const conn of monitors) {
      const key = conn.user.role === 'student' ? conn.user.id : '*'
      let frame = frames.get(key)
      if (!frame) {
        const sessions = summaries.filter((s) => canSee(conn.user, s.createdBy)).map((s) => s.summary)
        frame = encode({ type: 'monitor.snapshot', tMs, sessions })
        frames.set(key, frame)
      }
      conn.send(frame, 'live', 'snapshot')
    }
  }

  return {
    options,
    start() {
      for (const [name, fn] of Object.entries(listeners)) events.on(name as keyof StationEvents, fn as never)
      const beat = (): void => {
        heartbeat()
        heartbeatTimer = setTimeout(beat, options.heartbeatIntervalMs)
      }
      const snapshot = (): void => {
        try {
          publishMonitorSnapshot()
        } catch (err) {
          logger.error({ err }, 'monitor snapshot failed')
        }
        monitorTimer = setTimeout(snapshot, options.monitorIntervalMs)
      }
      heartbeatTimer = setTimeout(beat, options.heartbeatIntervalMs)
      monitorTimer = setTimeout(snapshot, options.monitorIntervalMs)
      heartbeatTimer.unref()
      monitorTimer.unref()
    },
    stop() {
      for (const [name, fn] of Object.entries(listeners)) events.off(name as keyof StationEvents, fn as never)
      if (heartbeatTimer) clearTimeout(heartbeatTimer)
      if (monitorTimer) clearTimeout(monitorTimer)
      heartbeatTimer = monitorTimer = null
      for (const conn of connections) conn.close(CLOSE_CODES.GOING_AWAY, 'station stopping')
    },
    acceptSession: (socket, auth, session) => accept(socket, auth, 'session', session),
    acceptMonitor: (socket, auth) => accept(socket, auth, 'monitor', null),
    heartbeat,
    publishMonitorSnapshot,
    stats() {
      let maxQueuedFrames = 0
      let droppedFrames = 0
      for (const conn of connections) {
        maxQueuedFrames = Math.max(maxQueuedFrames, conn.outbox.queuedFrames)
        droppedFrames += conn.outbox.totalDropped
      }
      return {
        connections: connections.size,
        sessionConnections: connections.size - monitors.size,
        monitorConnections: monitors.size,
        activeChannels: channels.size,
        maxQueuedFrames,
        droppedFrames
      }
    }
  }
}

function sendError(conn: HubConnection, code: ErrorCode, message: string, inReplyTo?: { type: string | null; seq: number | null }, issues?: { path: (string | number)[]; message: string }[]): void {
  conn.send(encode({ type: 'error', code, message, ...(inReplyTo ? { inReplyTo } : {}), ...(issues ? { issues } : {}) }), 'reliable')
}

function batchOf<T>(pending: Map<string, { sessionId: string; origin?: string; events: T[] }>, sessionId: string, origin?: string): T[] {
  const key = origin ? `${sessionId}|${origin}` : sessionId
  let batch = pending.get(key)
  if (!batch) {
    batch = { sessionId, origin, events: [] }
    pending.set(key, batch)
  }
  return batch.events
}

function sampleBlockOf(msg: ClientMessageOf<'eeg.samples'>): SampleBlock {
  const n = msg.tMs.length
  const c = msg.samplesUv[0].length
  const samplesUv = new Float32Array(n * c)
  for (let i = 0; i < n; i++) samplesUv.set(msg.samplesUv[i], i * c)
  return { firstSeq: msg.firstSampleSeq, channelCount: c, timestampsMs: Float64Array.from(msg.tMs), samplesUv }
}

function faceToTimed(event: FaceEvent): TimedEvent {
  const { kind, tMs, ...data } = event
  return { kind, tMs, data }
}

function gameToTimed(envelope: GameEventEnvelope): TimedEvent {
  return { kind: envelope.event.kind, tMs: envelope.tMs, data: envelope.event }
}
