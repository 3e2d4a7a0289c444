/**
 * The way into a station whose registration is closed, and the recovery path for a locked-out admin.
 * Opens its own connection, so it works next to a running station (WAL).
 */
import { join } from 'node:path'
import type { StationConfig } from '../config'
import { newId, nowIso } from '../ids'
import { createAuditLog } from '../audit'
import { createLogger } from '../logger'
import { LOCAL_DB_FILE, openLocalDatabase } from '../storage/database'
import { stationIdOf } from '../storage/station-id'
import { createPasswordHasher } from './password-hasher'
import { revokeAllForUser } from './refresh-tokens'
import { findUserByEmail, insertUser, updateUser } from './users.repository'

/**
 * Creates an admin, or makes an existing account an active admin with a new password and revokes
 * all its tokens.
 */
export async function createOrResetAdmin(
  config: StationConfig,
  input: { email: string; password: string; fullName: string | null }
): Promise<'created' | 'updated'> {
  const hasher = createPasswordHasher({ cost: config.auth.bcryptCost, workers: 1 })
  const db = openLocalDatabase(join(config.dataDir, LOCAL_DB_FILE))
  try {
    const passwordHash = await hasher.hash(input.password)
    const nowMs = Date.now()
    const existing = findUserByEmail(db, input.email)
    const user = db.transaction(() => {
      if (existing) {
        revokeAllForUser(db, existing.id, nowMs)
        const patch = { role: 'admin' as const, isActive: true, passwordHash, tokensValidAfterMs: nowMs, ...(input.fullName ? { fullName: input.fullName } : {}) }
        return updateUser(db, existing.id, patch, nowIso(nowMs))!
      }
      return insertUser(db, { id: newId(), email: input.email, fullName: input.fullName, role: 'admin', passwordHash, nowIso: nowIso(nowMs) })
    })()
    // Whoever ran the command is at the machine, not signed in: no actor, `via` says how.
    const audit = createAuditLog({ db, stationId: stationIdOf(db), logger: createLogger('warn') })
    const target = { type: 'user' as const, id: user.id }
    if (!existing) audit.record({ action: 'auth.registered', target, detail: { role: 'admin', via: 'create-admin' } })
    else if (existing.role !== 'admin') audit.record({ action: 'user.role_changed', target, detail: { role_from: existing.role, role_to: 'admin', is_login_reset: true, via: 'create-admin' } })
    else audit.record({ action: 'user.password_changed', target, detail: { is_active_from: existing.isActive, via: 'create-admin' } })
    return existing ? 'updated' : 'created'
  } finally {
    db.close()
    await hasher.close()
  }
}
