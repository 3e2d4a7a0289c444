/**
 * Refresh tokens: opaque 256-bit random strings, stored only as SHA-256 hashes. Each login starts a
 * family; every refresh rotates the token (the old one is marked rotated, the new one is its child).
 * Presenting a rotated token again means it leaked or a client replayed it: the whole family is
 * revoked (RFC 9700 §4.14). One exception, for a client whose refresh response was lost on the way:
 * within REFRESH_RETRY_GRACE_MS of the rotation, and only while the successor has never been used, the
 * parent may be presented again. It gets a new successor, and the unused one is superseded: whoever
 * presents that later (the attacker or the client, whichever lost the race) revokes the family, so a
 * stolen token is still caught, only later.
 */
import { createHash, randomBytes } from 'node:crypto'
import { VigilError } from '../../shared/errors'
import { newId } from '../ids'
import type { LocalDatabase } from '../storage/database'

/** How long after a rotation its client may retry with the same token (a lost response on flaky Wi-Fi). */
export const REFRESH_RETRY_GRACE_MS = 30_000

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

interface RefreshRow {
  id: string
  family_id: string
  user_id: string
  expires_at: number
  rotated_at: number | null
  revoked_at: number | null
  superseded_at: number | null
}

export interface IssuedRefreshToken {
  token: string
  familyId: string
}

export function issueRefreshToken(
  db: LocalDatabase,
  args: { userId: string; familyId?: string; parentId?: string; nowMs: number; ttlSec: number }
): IssuedRefreshToken {
  const token = randomBytes(32).toString('base64url')
  const familyId = args.familyId ?? newId()
  db.prepare('INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, parent_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    newId(),
    familyId,
    args.userId,
    hashRefreshToken(token),
    args.parentId ?? null,
    args.nowMs,
    args.nowMs + args.ttlSec * 1000
  )
  return { token, familyId }
}

/**
 * Marks `token` rotated and returns its row. A token already rotated comes back as `{reused}` rather
 * than throwing, so the caller's transaction can commit the family revocation before it reports the
 * error; a retry within the grace window comes back as `{retried}`, with the successor superseded.
 */
function consume(db: LocalDatabase, token: string, nowMs: number): RefreshRow | { reused: RefreshRow } | { retried: RefreshRow } {
  const row = db.prepare('SELECT id, family_id, user_id, expires_at, rotated_at, revoked_at, superseded_at FROM refresh_tokens WHERE token_hash = ?').get(hashRefreshToken(token)) as
    | RefreshRow
    | undefined
  if (!row) throw new VigilError('AUTH_INVALID_TOKEN', 'Invalid refresh token')
  if (row.superseded_at !== null) return { reused: row }
  if (row.revoked_at !== null) throw new VigilError('AUTH_TOKEN_REVOKED', 'Refresh token revoked')
  if (row.rotated_at !== null) {
    if (nowMs - row.rotated_at > REFRESH_RETRY_GRACE_MS) return { reused: row }
    // Only a successor nobody has used yet may be replaced: a used one proves two holders.
    const replaced = db
      .prepare('UPDATE refresh_tokens SET superseded_at = ?, revoked_at = ? WHERE parent_id = ? AND rotated_at IS NULL AND revoked_at IS NULL')
      .run(nowMs, nowMs, row.id)
    return replaced.changes === 1 ? { retried: row } : { reused: row }
  }
  if (row.expires_at <= nowMs) throw new VigilError('AUTH_TOKEN_EXPIRED', 'Refresh token expired')
  db.prepare('UPDATE refresh_tokens SET rotated_at = ? WHERE id = ?').run(nowMs, row.id)
  return row
}

/** Rotates a refresh token: returns its user and a new token in the same family. */
export function rotateRefreshToken(db: LocalDatabase, token: string, nowMs: number, ttlSec: number): { userId: string; next: IssuedRefreshToken } {
  const result = db.transaction(() => {
    const consumed = consume(db, token, nowMs)
    if ('reused' in consumed) {
      revokeFamily(db, consumed.reused.family_id, nowMs)
      return consumed
    }
    const row = 'retried' in consumed ? consumed.retried : consumed
    const next = issueRefreshToken(db, { userId: row.user_id, familyId: row.family_id, parentId: row.id, nowMs, ttlSec })
    return { userId: row.user_id, next }
  })()
  if ('reused' in result) throw new VigilError('AUTH_TOKEN_REVOKED', 'Refresh token reuse detected; this login was revoked')
  return result
}

export function revokeFamily(db: LocalDatabase, familyId: string, nowMs: number): void {
  db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(nowMs, familyId)
}

/** Revokes the family `token` belongs to; unknown tokens are ignored (logout is idempotent). */
/** Returns the user the token belonged to, or null for an unknown token. */
export function revokeFamilyOf(db: LocalDatabase, token: string, nowMs: number): string | null {
  const row = db.prepare('SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = ?').get(hashRefreshToken(token)) as { family_id: string; user_id: string } | undefined
  if (row) revokeFamily(db, row.family_id, nowMs)
  return row?.user_id ?? null
}

export function revokeAllForUser(db: LocalDatabase, userId: string, nowMs: number): void {
  db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(nowMs, userId)
}

/** Drops rows that can no longer matter: expired for longer than the refresh lifetime. */
export function pruneRefreshTokens(db: LocalDatabase, nowMs: number, ttlSec: number): void {
  db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?').run(nowMs - ttlSec * 1000)
}
