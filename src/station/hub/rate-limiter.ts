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
 * Per-connection byte rate: a token bucket of bytes that may go into debt. Counting messages let one
 * producer of 770 KB frames take 150 MB/s of parsing and slow every other client; bytes are what cost.
 * A message is never dropped for its size (it is already received): `charge` returns how long the
 * connection must stop reading until the debt is paid, and TCP backpressure slows the sender.
 */
export class ByteBudget {
  private bytes: number
  private lastRefillMs: number

  constructor(
    private readonly bytesPerS: number,
    private readonly burstBytes: number,
    nowMs: number
  ) {
    this.bytes = burstBytes
    this.lastRefillMs = nowMs
  }

  /** Takes `n` bytes; returns 0, or the milliseconds until the budget is back to zero. */
  charge(n: number, nowMs: number): number {
    const elapsedMs = nowMs - this.lastRefillMs
    if (elapsedMs > 0) {
      this.bytes = Math.min(this.burstBytes, this.bytes + (elapsedMs * this.bytesPerS) / 1000)
      this.lastRefillMs = nowMs
    }
    this.bytes -= n
    return this.bytes >= 0 ? 0 : Math.ceil((-this.bytes * 1000) / this.bytesPerS)
  }
}
