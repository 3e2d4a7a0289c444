/**
 * Logins under a burst: the verification gate refuses concurrent checks for one account or address
 * before any hashing, and the hash pool serves askers in turn, so one address's burst cannot make
 * another user's login wait behind all of it (issue 23 item 5).
 */
import { describe, expect, it } from 'vitest'
import { createPasswordHasher } from '../../src/station/auth/password-hasher'
import { createVerificationGate } from '../../src/station/auth/verification-gate'

describe('verification gate', () => {
  it('lets one check per account and a few per address in, and frees the place when a check ends', () => {
    const gate = createVerificationGate({ perAccount: 1, perAddress: 2 })
    const first = gate.enter('a@lab', '10.0.0.1')
    expect(first).not.toBeNull()
    expect(gate.enter('a@lab', '10.0.0.2')).toBeNull()
    const other = gate.enter('b@lab', '10.0.0.1')
    expect(other).not.toBeNull()
    expect(gate.enter('c@lab', '10.0.0.1')).toBeNull()
    first!()
    first!()
    expect(gate.enter('a@lab', '10.0.0.3')).not.toBeNull()
    other!()
    expect(gate.enter('c@lab', '10.0.0.1')).not.toBeNull()
  })
})

describe('password hasher under a burst', () => {
  it("serves a second asker's job next, not after the first asker's whole queue", async () => {
    const hasher = createPasswordHasher({ cost: 4, workers: 1 })
    try {
      const hash = await hasher.hash('secret')
      const done: string[] = []
      const burst = Array.from({ length: 10 }, (_, i) => hasher.verify('wrong', hash, 'attacker').then(() => done.push(`a${i}`)))
      const victim = hasher.verify('secret', hash, 'researcher').then((ok) => done.push(ok ? 'victim' : 'victim-failed'))
      await Promise.all([...burst, victim])
      // a0 was already running, a1 had the next turn; then the victim's.
      expect(done.indexOf('victim')).toBeLessThanOrEqual(2)
      expect(done).toHaveLength(11)
    } finally {
      await hasher.close()
    }
  })
})
