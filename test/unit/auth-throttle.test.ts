import { describe, expect, it } from 'vitest'
import { createLoginThrottle } from '../../src/station/auth/login-throttle'

describe('login throttle', () => {
  it('lets the first failures through, then locks the account for exponentially longer', () => {
    const throttle = createLoginThrottle({ freeFailures: 3 })
    let now = 1_000_000
    for (let i = 0; i < 2; i++) throttle.recordFailure('a@x', '1.1.1.1', now)
    expect(throttle.retryAfterSec('a@x', '1.1.1.1', now)).toBe(0)
    throttle.recordFailure('a@x', '1.1.1.1', now)
    expect(throttle.retryAfterSec('a@x', '1.1.1.1', now)).toBe(1)
    now += 1000
    expect(throttle.retryAfterSec('a@x', '1.1.1.1', now)).toBe(0)
    throttle.recordFailure('a@x', '1.1.1.1', now)
    expect(throttle.retryAfterSec('a@x', '2.2.2.2', now)).toBe(2)
    now += 2000
    throttle.recordFailure('a@x', '1.1.1.1', now)
    expect(throttle.retryAfterSec('a@x', '1.1.1.1', now)).toBe(4)
    // Other accounts are not affected by this account's lock.
    expect(throttle.retryAfterSec('b@x', '3.3.3.3', now)).toBe(0)
  })

  it('caps the lock so an attacker cannot lock a user out for long', () => {
    const throttle = createLoginThrottle({ freeFailures: 1, maxLockSec: 60 })
    for (let i = 0; i < 30; i++) throttle.recordFailure('a@x', `10.0.0.${i}`, 0)
    expect(throttle.retryAfterSec('a@x', '9.9.9.9', 0)).toBe(60)
  })

  it('clears an account on success and forgets old failures', () => {
    const throttle = createLoginThrottle({ freeFailures: 2, forgetAfterSec: 10 })
    throttle.recordFailure('a@x', 'ip', 0)
    throttle.recordSuccess('a@x')
    throttle.recordFailure('a@x', 'ip', 0)
    expect(throttle.retryAfterSec('a@x', 'ip', 0)).toBe(0)
    throttle.recordFailure('a@x', 'ip', 20_000)
    expect(throttle.retryAfterSec('a@x', 'ip', 20_000)).toBe(0)
  })

  it('limits failures per address across accounts within the window', () => {
    const throttle = createLoginThrottle({ addressFailures: 3, addressWindowSec: 60 })
    for (let i = 0; i < 3; i++) throttle.recordFailure(`u${i}@x`, 'ip', 1000)
    expect(throttle.retryAfterSec('fresh@x', 'ip', 1000)).toBe(60)
    expect(throttle.retryAfterSec('fresh@x', 'other-ip', 1000)).toBe(0)
    expect(throttle.retryAfterSec('fresh@x', 'ip', 61_000)).toBe(0)
  })
})
