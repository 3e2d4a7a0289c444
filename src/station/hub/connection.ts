/**
 * One accepted WebSocket: who it acts for, its bounded outbox, its rate limit, its heartbeat flag
 * and the acknowledgement state of a producer. Parsing and dispatch live in the hub.
 */
import type { WebSocket } from 'ws'
import type { AuthUser } from '../auth/types'
import type { Clock, ClockTimer } from '../clock'
import { encode } from './encode'
import { Outbox, type FrameKind, type OutboxLimits } from './outbox'
import { Budget, RateLimiter, type RateLimit } from './rate-limiter'

export type ChannelKind = 'session' | 'monitor'

/** Checks a fresh access token sent in-band (`auth.refresh`); rejects with a `VigilError`. */
export type Reauthenticate = (token: string) => Promise<{ user: AuthUser; tokenExpiresAtMs: number }>

export interface ConnectionAuth {
  user: AuthUser
  tokenExpiresAtMs: number
  reauthenticate: Reauthenticate
}

export interface ReadLimits {
  bytesPerS: number
  burstBytes: number
  /** Milliseconds per second the station may spend handling this connection's messages. */
  busyMsPerS: number
  burstBusyMs: number
}

export class HubConnection {
  readonly outbox: Outbox
  readonly limiter: RateLimiter
  private readonly byteBudget: Budget
  private readonly busyBudget: Budget
  /** Set while reading is paused to pay a debt. */
  private resumeTimer: ClockTimer | null = null
  /** How often, and for how long in total, reading was paused for the byte rate or handling time (stats, tests). */
  throttled = { pauses: 0, totalMs: 0 }
  /** Handling time charged since the hub's loop guard last looked (./loop-guard.ts). */
  busyInWindowMs = 0
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
    readLimits: ReadLimits,
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
    this.byteBudget = new Budget(readLimits.bytesPerS, readLimits.burstBytes, nowMs)
    this.busyBudget = new Budget(readLimits.busyMsPerS, readLimits.burstBusyMs, nowMs)
  }

  /** Counts a received message against the byte rate (before handling it). */
  chargeBytes(n: number, clock: Clock): void {
    this.pauseFor(this.byteBudget.charge(n, clock.monotonicMs()), clock)
  }

  /**
   * Counts the time handling a message took, and later the time inserting its rows took (the recorder
   * reports it from the group commit). The size of a message says little about its cost (JSON
   * numbers cost more than binary samples, and a slower or busier machine costs more per byte), so the
   * time itself is budgeted too: no connection takes more than its share of the event loop.
   */
  chargeBusy(busyMs: number, clock: Clock): void {
    this.busyInWindowMs += busyMs
    this.pauseFor(this.busyBudget.charge(busyMs, clock.monotonicMs()), clock)
  }

  /**
   * In debt, the socket stops reading (frames already buffered are still delivered) until the debt is
   * paid: the sender meets TCP backpressure. One pause at a time; the longer debt is paid next round.
   */
  pauseFor(waitMs: number, clock: Pick<Clock, 'setTimeout'>): void {
    if (waitMs === 0 || this.resumeTimer || !this.isOpen) return
    this.socket.pause()
    this.throttled.pauses++
    this.throttled.totalMs += waitMs
    this.resumeTimer = clock.setTimeout(() => {
      this.resumeTimer = null
      this.socket.resume()
    }, waitMs)
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
    this.resumeTimer?.cancel()
    this.resumeTimer = null
    this.outbox.dispose()
  }
}
