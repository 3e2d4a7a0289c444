/**
 * One accepted WebSocket: who it acts for, its bounded outbox, its rate limit, its heartbeat flag
 * and the acknowledgement state of a producer. Parsing and dispatch live in the hub.
 */
import type { WebSocket } from 'ws'
import type { AuthUser } from '../auth/types'
import type { ClockTimer } from '../clock'
import { encode } from './encode'
import { Outbox, type FrameKind, type OutboxLimits } from './outbox'
import { RateLimiter, type RateLimit } from './rate-limiter'

export type ChannelKind = 'session' | 'monitor'

/** Checks a fresh access token sent in-band (`auth.refresh`); rejects with a `VigilError`. */
export type Reauthenticate = (token: string) => Promise<{ user: AuthUser; tokenExpiresAtMs: number }>

export interface ConnectionAuth {
  user: AuthUser
  tokenExpiresAtMs: number
  reauthenticate: Reauthenticate
}

export class HubConnection {
  readonly outbox: Outbox
  readonly limiter: RateLimiter
  user: AuthUser
  tokenExpiresAtMs: number
  canWrite = false
  /** Cleared by each heartbeat round, set again by a pong or any message. */
  isAlive = true
  invalidInARow = 0
  /** Highest data-message `seq` accepted, and highest committed (and acknowledged). */
  lastSeq = -1
  private committedSeq = -1
  private isAckScheduled = false
  expiryTimers: ClockTimer[] = []

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly channel: ChannelKind,
    readonly sessionId: string | null,
    readonly auth: ConnectionAuth,
    limits: OutboxLimits,
    rateLimit: RateLimit,
    nowMs: number,
    onOverflow: (conn: HubConnection) => void
  ) {
    this.user = auth.user
    this.tokenExpiresAtMs = auth.tokenExpiresAtMs
    this.outbox = new Outbox(
      socket,
      limits,
      (dropped, total) => encode({ type: 'lagging', droppedFrames: dropped, totalDroppedFrames: total }),
      () => onOverflow(this)
    )
    this.limiter = new RateLimiter(rateLimit, nowMs)
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN
  }

  send(frame: Buffer, kind: FrameKind, key: string | null = null): void {
    this.outbox.send(frame, kind, key)
  }

  /**
   * Called by the recorder once the write carrying `seq` committed. Commits run in write order, so the
   * highest committed seq covers every earlier one; several commits in one flush become one `ack`.
   */
  committed(seq: number): void {
    if (seq > this.committedSeq) this.committedSeq = seq
    if (this.isAckScheduled) return
    this.isAckScheduled = true
    queueMicrotask(() => {
      this.isAckScheduled = false
      this.send(encode({ type: 'ack', seq: this.committedSeq }), 'reliable')
    })
  }

  close(code: number, reason: string): void {
    this.clearExpiryTimers()
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason)
  }

  clearExpiryTimers(): void {
    for (const t of this.expiryTimers) t.cancel()
    this.expiryTimers = []
  }

  dispose(): void {
    this.clearExpiryTimers()
    this.outbox.dispose()
  }
}
