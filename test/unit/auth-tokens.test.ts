import { describe, expect, it } from 'vitest'
import { VigilError } from '../../src/shared/errors'
import { createPasswordHasher, prehashPassword } from '../../src/station/auth/password-hasher'
import { issueRefreshToken, REFRESH_RETRY_GRACE_MS, rotateRefreshToken } from '../../src/station/auth/refresh-tokens'
import { bearerTokenOf } from '../../src/station/auth/tokens'
import { normalizeEmail } from '../../src/station/auth/users.repository'
import { openLocalDatabase } from '../../src/station/storage/database'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof VigilError ? err.code : 'other'
  }
  return undefined
}

describe('bearer header parsing', () => {
  it('reads Bearer tokens, treats absence as missing and anything else as invalid', () => {
    expect(bearerTokenOf(undefined)).toBe('')
    expect(bearerTokenOf('  ')).toBe('')
    expect(bearerTokenOf('Bearer abc.def.ghi')).toBe('abc.def.ghi')
    expect(bearerTokenOf('bearer   abc ')).toBe('abc')
    for (const bad of ['Basic abc', 'Bearer', 'Bearer a b', 'abc']) expect(codeOf(() => bearerTokenOf(bad)), bad).toBe('AUTH_INVALID_TOKEN')
  })
})

describe('emails', () => {
  it('normalizes case, surrounding space and unicode composition', () => {
    expect(normalizeEmail('  Ren\u00c9@Lab.TEST ')).toBe('ren\u00e9@lab.test')
    expect(normalizeEmail('rene\u0301@lab.test')).toBe('ren\u00e9@lab.test')
  })
})

describe('password hasher', () => {
  it('pre-hashes to 64 ASCII characters, under bcrypt 72-byte limit, distinct past byte 72', () => {
    const head = 'x'.repeat(72)
    expect(prehashPassword(`${head}a`)).toHaveLength(64)
    expect(prehashPassword(`${head}a`)).not.toBe(prehashPassword(`${head}b`))
    expect(prehashPassword('\u00e9'.repeat(128))).toMatch(/^[A-Za-z0-9+/=]{64}$/)
  })

  it('hashes and verifies in worker threads, rejecting malformed hashes without throwing', async () => {
    const hasher = createPasswordHasher({ cost: 4 })
    try {
      const hashes = await Promise.all(['one password', 'two password', 'three password'].map((p) => hasher.hash(p)))
      expect(hashes[0]).toMatch(/^\$2b\$04\$/)
      expect(await hasher.verify('one password', hashes[0])).toBe(true)
      expect(await hasher.verify('two password', hashes[0])).toBe(false)
      expect(await hasher.verify('one password', 'not-a-hash')).toBe(false)
    } finally {
      await hasher.close()
    }
    await expect(hasher.hash('x')).rejects.toThrow(/closed/)
  })
})

function freshDb() {
  const db = openLocalDatabase(':memory:')
  db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES ('u1', 'a@x', 'student', 'h', 'now', 'now')").run()
  return db
}

describe('refresh token rotation', () => {
  it('rotates within a family and revokes the family when a rotated token is reused after the grace window', () => {
    const db = freshDb()
    const first = issueRefreshToken(db, { userId: 'u1', nowMs: 0, ttlSec: 600 })
    const second = rotateRefreshToken(db, first.token, 1000, 600)
    expect(second.userId).toBe('u1')
    expect(second.next.familyId).toBe(first.familyId)
    expect(codeOf(() => rotateRefreshToken(db, first.token, 1000 + REFRESH_RETRY_GRACE_MS + 1, 600))).toBe('AUTH_TOKEN_REVOKED')
    expect(codeOf(() => rotateRefreshToken(db, second.next.token, 40_000, 600))).toBe('AUTH_TOKEN_REVOKED')
    expect(codeOf(() => rotateRefreshToken(db, 'unknown', 3000, 600))).toBe('AUTH_INVALID_TOKEN')
    const other = issueRefreshToken(db, { userId: 'u1', nowMs: 0, ttlSec: 60 })
    expect(codeOf(() => rotateRefreshToken(db, other.token, 61_000, 60))).toBe('AUTH_TOKEN_EXPIRED')
    db.close()
  })

  it('lets a client whose refresh response was lost retry within the grace window; the lost token then counts as reuse', () => {
    const db = freshDb()
    const first = issueRefreshToken(db, { userId: 'u1', nowMs: 0, ttlSec: 600 })
    const lost = rotateRefreshToken(db, first.token, 1000, 600) // the response never reached the client
    const retried = rotateRefreshToken(db, first.token, 5000, 600)
    expect(retried.next.familyId).toBe(first.familyId)
    expect(retried.next.token).not.toBe(lost.next.token)
    // The client goes on with the retried pair.
    const third = rotateRefreshToken(db, retried.next.token, 10_000, 600)
    // Had someone else held the lost token, presenting it now shows two holders: the login is revoked.
    expect(codeOf(() => rotateRefreshToken(db, lost.next.token, 12_000, 600))).toBe('AUTH_TOKEN_REVOKED')
    expect(codeOf(() => rotateRefreshToken(db, third.next.token, 13_000, 600))).toBe('AUTH_TOKEN_REVOKED')
    db.close()
  })

  it('treats a retry as reuse once the successor has been used: a stolen token is still caught', () => {
    const db = freshDb()
    const first = issueRefreshToken(db, { userId: 'u1', nowMs: 0, ttlSec: 600 })
    const second = rotateRefreshToken(db, first.token, 1000, 600)
    rotateRefreshToken(db, second.next.token, 2000, 600) // the legitimate client moved on
    expect(codeOf(() => rotateRefreshToken(db, first.token, 3000, 600))).toBe('AUTH_TOKEN_REVOKED') // within the window, still reuse
    db.close()
  })
})
