/**
 * Client → station: each WebSocket message is rate-limited, parsed and validated against the protocol's
 * zod union, then dispatched. Data goes to the recorder (the same path as the headset: storage, fatigue,
 * fan-out) and the producer gets `ack {seq}` once its write committed; commands (`alert.ack`) call the
 * owning service directly, the same function REST calls. Invalid input gets an `error` reply and the
 * connection stays open unless it keeps misbehaving.
 */
import { isVigilError, type ErrorCode } from '../../shared/errors'
import { clientMessageSchema, type ClientMessage, type ClientMessageOf, type DataMessage } from '../../shared/protocol/client-messages'
import { CLOSE_CODES } from '../../shared/protocol/close-codes'
import type { FaceEvent, GameEventEnvelope } from '../../shared/protocol/common'
import { decodeEegFrame } from '../../shared/protocol/eeg-frame'
import type { Clock } from '../clock'
import type { DeviceManager } from '../devices/device-manager'
import type { SampleBlock } from '../devices/types'
import type { TimedEvent } from '../events'
import type { FatigueService } from '../fatigue/fatigue.service'
import { newId } from '../ids'
import type { Recorder } from '../ingest/recorder'
import { checkInWindow, sessionTimeWindow } from '../ingest/time-window'
import type { Logger } from '../logger'
import { sessionActionRefusal } from '../sessions/permissions'
import { applyUser, type SessionChannel, type SessionChannels } from './channels'
import type { HubConnection } from './connection'
import { encode } from './encode'
import { scheduleExpiry } from './expiry'
import type { HubOptions } from './options'

export interface InboundDeps {
  options: HubOptions
  channels: SessionChannels
  recorder: Recorder
  devices: Pick<DeviceManager, 'status'>
  fatigue: Pick<FatigueService, 'acknowledge'>
  clock: Clock
  logger: Logger
}

type InReplyTo = { type: string | null; seq: number | null }
type Issue = { path: (string | number)[]; message: string }

export function sendError(conn: HubConnection, code: ErrorCode, message: string, inReplyTo?: InReplyTo, issues?: Issue[]): void {
  conn.send(encode({ type: 'error', code, message, ...(inReplyTo ? { inReplyTo } : {}), ...(issues ? { issues } : {}) }), 'reliable')
}

/** The handler of one connection's frames. */
export function createInbound(deps: InboundDeps): (conn: HubConnection, data: Buffer, isBinary: boolean) => void {
  const { options, channels, recorder, devices, fatigue, clock, logger } = deps

  function onMessage(conn: HubConnection, data: Buffer, isBinary: boolean): void {
    conn.isAlive = true
    const nowMs = clock.monotonicMs()
    conn.chargeBytes(data.length, clock)
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

  function invalid(conn: HubConnection, code: ErrorCode, message: string, inReplyTo?: InReplyTo, issues?: Issue[]): void {
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
      case 'alert.ack':
        return acknowledgeAlert(conn, msg.alertId)
      default:
        return acceptData(conn, msg)
    }
  }

  /** The stream's `alert.ack`: the fatigue service's `acknowledge`, as `POST /sessions/:id/alerts/:aid/ack`. */
  function acknowledgeAlert(conn: HubConnection, alertId: string): void {
    const inReplyTo = { type: 'alert.ack', seq: null }
    const channel = conn.sessionId ? channels.get(conn.sessionId) : undefined
    if (!channel) return sendError(conn, 'BAD_REQUEST', 'alert.ack is accepted on /ws/session/:id only', inReplyTo)
    // The rule REST's POST .../alerts/:aid/ack applies (src/station/sessions/permissions.ts), with its words.
    const refusal = sessionActionRefusal(conn.user, 'acknowledge_alert', channel)
    if (refusal) return sendError(conn, refusal.code, refusal.message, inReplyTo)
    try {
      // Success is answered by the `alert.acknowledged` broadcast every subscriber gets.
      fatigue.acknowledge(channel.id, alertId, conn.user.id)
    } catch (err) {
      if (!isVigilError(err)) throw err
      sendError(conn, err.code, err.message, inReplyTo)
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
    const refusal = sessionActionRefusal(conn.user, type === 'marker.add' ? 'add_marker' : 'send_data', channel)
    if (refusal) return refuse(refusal.code, refusal.message)
    if (channel.status !== 'recording') {
      return refuse('SESSION_NOT_RECORDING', `The session is ${channel.status}; data is accepted while it is recording`)
    }
    if (!channel.producers.has(conn) && channel.producers.size >= options.maxProducersPerSession) {
      return refuse('RATE_LIMITED', `This session already has ${channel.producers.size} producing connections (the limit); send from one of them, or close one first`)
    }
    if (seq <= conn.lastSeq) return refuse('BAD_REQUEST', `seq ${seq} is not greater than the previous seq ${conn.lastSeq}`)
    if (recorder.storageError) return refuse(recorder.storageError.code, recorder.storageError.message)
    // With a headset connected, a recording session takes EEG from it alone (one sample sequence per session).
    if (type === 'eeg.samples' && recorder.boundSessionId === channel.id && devices.status().state !== 'disconnected') {
      return refuse('CONFLICT', "This session records the station's headset; it does not take EEG from clients")
    }
    try {
      checkInWindow(times, sessionTimeWindow(channel.times, clock.wallMs(), options.clockToleranceMs), nameOf)
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
    const write = { origin: conn.id, onCommitted: () => conn.committed(seq), onStorageMs: (ms: number) => conn.chargeBusy(ms, clock) }
    // An event id that already names a different event refuses the message (nothing queued, no ack).
    const refusingConflicts = (queue: () => void): void => {
      try {
        queue()
      } catch (err) {
        if (!isVigilError(err)) throw err
        sendError(conn, err.code, err.message, { type: msg.type, seq })
      }
    }
    switch (msg.type) {
      case 'eeg.samples':
        return recorder.writeEeg(channel.id, sampleBlockOf(msg), write)
      case 'face.events':
        return refusingConflicts(() => recorder.writeFace(channel.id, msg.events.map(faceToTimed), write))
      case 'game.events':
        return refusingConflicts(() => recorder.writeGame(channel.id, msg.events.map(gameToTimed), write))
      case 'marker.add':
        return recorder.writeMarker(
          channel.id,
          { uid: newId(), sessionId: channel.id, tMs: msg.tMs, label: msg.label, value: msg.value ?? null, createdBy: conn.user.id },
          write
        )
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
    recorder.writeEeg(channel.id, block, { origin: conn.id, onCommitted: () => conn.committed(frame.seq), onStorageMs: (ms) => conn.chargeBusy(ms, clock) })
  }

  function refreshAuth(conn: HubConnection, token: string): void {
    conn.auth.reauthenticate(token).then(
      ({ user, tokenExpiresAtMs }) => {
        if (!conn.isOpen) return
        if (user.id !== conn.user.id) return conn.close(CLOSE_CODES.AUTH_REVOKED, 'auth.refresh carried a token of another user')
        if (!applyUser(channels, conn, user, 'session no longer visible')) return
        conn.tokenExpiresAtMs = tokenExpiresAtMs
        scheduleExpiry(conn, clock, options)
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

  return onMessage
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

function sampleBlockOf(msg: ClientMessageOf<'eeg.samples'>): SampleBlock {
  const n = msg.tMs.length
  const c = msg.samplesUv[0].length
  const samplesUv = new Float32Array(n * c)
  for (let i = 0; i < n; i++) samplesUv.set(msg.samplesUv[i], i * c)
  return { firstSeq: msg.firstSampleSeq, channelCount: c, timestampsMs: Float64Array.from(msg.tMs), samplesUv }
}

function faceToTimed(event: FaceEvent): TimedEvent {
  const { kind, tMs, id, ...data } = event
  return id === undefined ? { kind, tMs, data } : { kind, tMs, data, id }
}

function gameToTimed(envelope: GameEventEnvelope): TimedEvent {
  const timed: TimedEvent = { kind: envelope.event.kind, tMs: envelope.tMs, data: envelope.event }
  return envelope.id === undefined ? timed : { ...timed, id: envelope.id }
}
