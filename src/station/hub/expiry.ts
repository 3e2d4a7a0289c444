/** Token lifetime of a long-lived connection: `auth.expiring` ahead of time, close 4001 at expiry. */
import { closeCodeFor } from '../../shared/protocol/close-codes'
import type { Clock } from '../clock'
import type { HubConnection } from './connection'
import { encode } from './encode'
import type { HubOptions } from './options'

const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * How long before expiry `auth.expiring` goes out: the configured lead, but at most a third of the
 * time the token has left. With a fixed 60 s lead, a 30-60 s access token expired (4001) without any
 * warning; a third leaves the client most of that time to refresh and still warns it early enough.
 */
export function expiryWarningLeadMs(remainingMs: number, expiryWarningMs: number): number {
  return Math.min(expiryWarningMs, Math.max(0, remainingMs) / 3)
}

export function scheduleExpiry(conn: HubConnection, clock: Clock, options: Pick<HubOptions, 'expiryWarningMs'>): void {
  const { expiryWarningMs } = options
  conn.clearExpiryTimers()
  const remainingMs = conn.tokenExpiresAtMs - clock.wallMs()
  // setTimeout fires at once beyond 2^31-1 ms (~24.8 days): a very long token lifetime is re-armed in steps.
  if (remainingMs - expiryWarningMs > MAX_TIMER_MS) {
    conn.expiryTimers.push(clock.setTimeout(() => scheduleExpiry(conn, clock, options), MAX_TIMER_MS))
    return
  }
  if (remainingMs > 0) {
    const warnInMs = remainingMs - expiryWarningLeadMs(remainingMs, expiryWarningMs)
    conn.expiryTimers.push(clock.setTimeout(() => conn.send(encode({ type: 'auth.expiring', tokenExpiresAtMs: conn.tokenExpiresAtMs }), 'reliable'), warnInMs))
  }
  conn.expiryTimers.push(clock.setTimeout(() => conn.close(closeCodeFor('AUTH_TOKEN_EXPIRED'), 'access token expired'), Math.max(0, remainingMs)))
}
