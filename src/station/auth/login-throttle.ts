/**
 * Login throttling, in memory, keyed by failures (successful logins cost nothing):
 * - per account (the normalized email, whether or not it exists, so throttling reveals nothing):
 *   the first `freeFailures` failures are free, then each further failure locks the account for an
 *   exponentially growing time (1 s, 2 s, 4 s ... capped at `maxLockSec`). The lock is short and
 *   capped so an attacker cannot lock a real user out for long (OWASP: lockout as DoS).
 * - per client address: at most `addressFailures` failures per `addressWindowSec`, which bounds
 *   password spraying across many accounts from one machine.
 * A success clears the account's counter. Entries expire after `forgetAfterSec` of quiet.
 */
export interface LoginThrottleOptions {
  freeFailures?: number
  maxLockSec?: number
  addressFailures?: number
  addressWindowSec?: number
  forgetAfterSec?: number
  /** Bounds memory under a flood of distinct keys. */
  maxEntries?: number
}

interface AccountState {
  failures: number
  lockedUntilMs: number
  lastFailureMs: number
}

interface AddressState {
  windowStartMs: number
  failures: number
}

export interface LoginThrottle {
  /** Seconds to wait before another attempt is allowed, or 0. */
  retryAfterSec(account: string, address: string, nowMs: number): number
  recordFailure(account: string, address: string, nowMs: number): void
  recordSuccess(account: string): void
}

export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const freeFailures = options.freeFailures ?? 5
  const maxLockMs = (options.maxLockSec ?? 15 * 60) * 1000
  const addressFailures = options.addressFailures ?? 50
  const addressWindowMs = (options.addressWindowSec ?? 15 * 60) * 1000
  const forgetAfterMs = (options.forgetAfterSec ?? 60 * 60) * 1000
  const maxEntries = options.maxEntries ?? 10_000
  const accounts = new Map<string, AccountState>()
  const addresses = new Map<string, AddressState>()

  function prune(nowMs: number): void {
    if (accounts.size + addresses.size < maxEntries) return
    for (const [key, state] of accounts) if (nowMs - state.lastFailureMs > forgetAfterMs || state.lockedUntilMs < nowMs) accounts.delete(key)
    for (const [key, state] of addresses) if (nowMs - state.windowStartMs > addressWindowMs) addresses.delete(key)
  }

  return {
    retryAfterSec(account, address, nowMs) {
      let waitMs = 0
      const acc = accounts.get(account)
      if (acc && acc.lockedUntilMs > nowMs) waitMs = acc.lockedUntilMs - nowMs
      const addr = addresses.get(address)
      if (addr && nowMs - addr.windowStartMs < addressWindowMs && addr.failures >= addressFailures) {
        waitMs = Math.max(waitMs, addr.windowStartMs + addressWindowMs - nowMs)
      }
      return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0
    },
    recordFailure(account, address, nowMs) {
      prune(nowMs)
      let acc = accounts.get(account)
      if (!acc || nowMs - acc.lastFailureMs > forgetAfterMs) acc = { failures: 0, lockedUntilMs: 0, lastFailureMs: nowMs }
      acc.failures++
      acc.lastFailureMs = nowMs
      if (acc.failures >= freeFailures) acc.lockedUntilMs = nowMs + Math.min(maxLockMs, 1000 * 2 ** (acc.failures - freeFailures))
      accounts.set(account, acc)
      let addr = addresses.get(address)
      if (!addr || nowMs - addr.windowStartMs >= addressWindowMs) addr = { windowStartMs: nowMs, failures: 0 }
      addr.failures++
      addresses.set(address, addr)
    },
    recordSuccess(account) {
      accounts.delete(account)
    }
  }
}
