/**
 * Per-connection message rate limit: a token bucket (`ratePerS` sustained, `burst` at once). A
 * connection that keeps exceeding it is abusive: `strike()` counts the rejections reported to the
 * client (at most one per second) and says when the connection should be closed.
 */
export interface RateLimit {
  ratePerS: number
  burst: number
  /** Reported violations within `strikeWindowMs` that close the connection. */
  strikesToClose: number
  strikeWindowMs: number
}

export class RateLimiter {
  private tokens: number
  private lastRefillMs: number
  private strikes: number[] = []
  private lastStrikeMs = -Infinity

  constructor(
    private readonly limit: RateLimit,
    nowMs: number
  ) {
    this.tokens = limit.burst
    this.lastRefillMs = nowMs
  }

  /** Takes one token; false when the bucket is empty. */
  take(nowMs: number): boolean {
    const elapsedMs = nowMs - this.lastRefillMs
    if (elapsedMs > 0) {
      this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs * this.limit.ratePerS) / 1000)
      this.lastRefillMs = nowMs
    }
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /**
   * Registers a rejected message. Returns `report` when the client should be told (at most once a
   * second, so the error replies cannot themselves flood), `close` when it has been told often enough.
   */
  strike(nowMs: number): 'silent' | 'report' | 'close' {
    if (nowMs - this.lastStrikeMs < 1000) return 'silent'
    this.lastStrikeMs = nowMs
    this.strikes = this.strikes.filter((t) => nowMs - t < this.limit.strikeWindowMs)
    this.strikes.push(nowMs)
    return this.strikes.length >= this.limit.strikesToClose ? 'close' : 'report'
  }
}

/**
 * A per-connection budget that may go into debt: bytes received, or milliseconds the station spent
 * handling the connection's messages. Counting messages let one producer of 770 KB frames take 150 MB/s
 * of parsing and slow every other client; bytes and handling time are what cost. A message is never
 * dropped against a budget (it is already received): `charge` returns how long the connection must stop
 * reading until the debt is paid, and TCP backpressure slows the sender.
 */
export class Budget {
  private available: number
  private lastRefillMs: number

  constructor(
    private readonly perS: number,
    private readonly burst: number,
    nowMs: number
  ) {
    this.available = burst
    this.lastRefillMs = nowMs
  }

  /** Takes `n`; returns 0, or the milliseconds until the budget is back to zero. */
  charge(n: number, nowMs: number): number {
    const elapsedMs = nowMs - this.lastRefillMs
    if (elapsedMs > 0) {
      this.available = Math.min(this.burst, this.available + (elapsedMs * this.perS) / 1000)
      this.lastRefillMs = nowMs
    }
    this.available -= n
    return this.available >= 0 ? 0 : Math.ceil((-this.available * 1000) / this.perS)
  }
}
