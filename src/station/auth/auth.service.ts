/**
 * Accounts and logins: registration (first account becomes admin), password login with throttling
 * and no account enumeration, refresh rotation, logout, self-service and admin edits. Built once per
 * server (auth plugin); owns the bcrypt worker pool.
 */
import { randomBytes } from 'node:crypto'
import { VigilError } from '../../shared/errors'
import type { AuditAction } from '../../shared/schemas/audit'
import type { StationContext } from '../context'
import { newId, nowIso } from '../ids'
import { createLoginThrottle, type LoginThrottle, type LoginThrottleOptions } from './login-throttle'
import { createPasswordHasher, type PasswordHasher } from './password-hasher'
import { issueRefreshToken, pruneRefreshTokens, revokeAllForUser, revokeFamilyOf, rotateRefreshToken } from './refresh-tokens'
import { signAccessToken } from './tokens'
import { createVerificationGate, type VerificationGateOptions } from './verification-gate'
import type { AuthUser, Role } from './types'
import {
  countActiveAdmins,
  countUsers,
  findUserByEmail,
  findUserById,
  insertUser,
  normalizeEmail,
  updateUser,
  type UserPatch,
  type UserRecord
} from './users.repository'

export interface TokenPair {
  accessToken: string
  refreshToken: string
  expiresInSec: number
}

export interface AuthService {
  readonly hasher: PasswordHasher
  register(input: { email: string; password: string; fullName: string | null }, address: string): Promise<UserRecord>
  login(email: string, password: string, address: string): Promise<TokenPair>
  refresh(refreshToken: string): Promise<TokenPair>
  logout(refreshToken: string, address: string): void
  updateSelf(userId: string, input: { fullName?: string | null; password?: string; currentPassword?: string }, address: string): Promise<UserRecord>
  adminUpdate(actor: AuthUser, userId: string, input: { fullName?: string | null; role?: Role; isActive?: boolean }, address: string): UserRecord
  close(): Promise<void>
}

export interface AuthServiceOptions {
  throttle?: LoginThrottleOptions
  gate?: VerificationGateOptions
  /** Worker threads for bcrypt (default 2). */
  hashWorkers?: number
}

const BAD_CREDENTIALS = 'Incorrect email or password'

/** The most telling name for an admin edit; the detail lists every field it changed. */
function adminEditAction(before: UserRecord, after: UserRecord): AuditAction {
  if (before.role !== after.role) return 'user.role_changed'
  if (before.isActive !== after.isActive) return after.isActive ? 'user.reactivated' : 'user.deactivated'
  return 'user.updated'
}

function userDiff(before: UserRecord, after: UserRecord): Record<string, string | boolean | null> {
  const diff: Record<string, string | boolean | null> = {}
  if (before.role !== after.role) Object.assign(diff, { role_from: before.role, role_to: after.role })
  if (before.isActive !== after.isActive) Object.assign(diff, { is_active_from: before.isActive, is_active_to: after.isActive })
  if (before.fullName !== after.fullName) Object.assign(diff, { full_name_from: before.fullName, full_name_to: after.fullName })
  return diff
}

export function createAuthService(ctx: StationContext, options: AuthServiceOptions = {}): AuthService {
  const hasher = createPasswordHasher({ cost: ctx.config.auth.bcryptCost, workers: options.hashWorkers })
  const throttle: LoginThrottle = createLoginThrottle(options.throttle)
  const gate = createVerificationGate(options.gate)
  // Unknown emails are verified against this hash (same cost), so they take as long as a wrong password.
  let dummyHash: Promise<string> | null = null
  const dummy = () => {
    dummyHash ??= hasher.hash(randomBytes(16).toString('hex'))
    // A failed attempt (e.g. the pool closed) is retried next time rather than cached.
    dummyHash.catch(() => (dummyHash = null))
    return dummyHash
  }
  // Computed up front in a worker, so even the first unknown email costs no extra hash.
  dummy().catch(() => undefined)
  let lastPruneMs = 0

  async function issuePair(userId: string, nowMs: number): Promise<TokenPair> {
    const access = await signAccessToken(ctx, { id: userId })
    const refresh = issueRefreshToken(ctx.db, { userId, nowMs, ttlSec: ctx.config.auth.refreshTokenTtlSec })
    return { accessToken: access.token, refreshToken: refresh.token, expiresInSec: access.expiresInSec }
  }

  function throttled(account: string, address: string): void {
    const retryAfterSec = throttle.retryAfterSec(account, address, ctx.clock.wallMs())
    if (retryAfterSec > 0) {
      throw new VigilError('RATE_LIMITED', `Too many failed attempts: retry in ${retryAfterSec} s`, { retry_after_s: retryAfterSec })
    }
  }

  /** bcrypt, once the gate lets this account and address in (429 otherwise, before any hashing); fair per address. */
  async function verifyGated(account: string, address: string, password: string, hash: string): Promise<boolean> {
    const release = gate.enter(account, address)
    if (!release) throw new VigilError('RATE_LIMITED', 'A password for this account or from this address is already being checked: retry in 1 s', { retry_after_s: 1 })
    try {
      return await hasher.verify(password, hash, address)
    } finally {
      release()
    }
  }

  /**
   * A refused sign-in: the attempted email (normalised), and the account it names if there is one.
   * Refusals by the rate limits (429) are not recorded one by one: they cost the attacker nothing, so
   * recording them would let anyone fill the disk; the failures that led to them are.
   */
  function loginFailed(account: string, address: string, user: UserRecord | null, reason: 'bad_credentials' | 'inactive'): void {
    ctx.audit.record({ action: 'auth.login_failed', attemptedEmail: account, target: user ? { type: 'user', id: user.id } : undefined, clientAddress: address, detail: { reason } })
  }

  /** Revokes every refresh family and every access token issued so far. */
  function revokeEverything(userId: string, nowMs: number): UserPatch {
    revokeAllForUser(ctx.db, userId, nowMs)
    return { tokensValidAfterMs: nowMs }
  }

  return {
    hasher,

    async register({ email, password, fullName }, address) {
      if (!ctx.config.auth.allowRegistration) throw new VigilError('AUTH_REGISTRATION_CLOSED', 'Self-registration is disabled on this station; ask an admin')
      const normalized = normalizeEmail(email)
      // Cheap check first so duplicates do not cost a hash; the insert below re-checks atomically.
      if (findUserByEmail(ctx.db, normalized)) throw new VigilError('CONFLICT', 'A user with this email already exists')
      const passwordHash = await hasher.hash(password)
      const user = ctx.db.transaction(() => {
        if (findUserByEmail(ctx.db, normalized)) throw new VigilError('CONFLICT', 'A user with this email already exists')
        // The first account of a fresh station administers it; nobody picks their own role.
        const role: Role = countUsers(ctx.db) === 0 ? 'admin' : 'student'
        return insertUser(ctx.db, { id: newId(), email: normalized, fullName: fullName || null, role, passwordHash, nowIso: nowIso(ctx.clock.wallMs()) })
      })()
      ctx.audit.record({ action: 'auth.registered', actor: user, target: { type: 'user', id: user.id }, clientAddress: address, detail: { role: user.role } })
      return user
    },

    async login(email, password, address) {
      const account = normalizeEmail(email)
      throttled(account, address)
      const user = findUserByEmail(ctx.db, account)
      const ok = user ? await verifyGated(account, address, password, user.passwordHash) : (await verifyGated(account, address, password, await dummy()), false)
      const nowMs = ctx.clock.wallMs()
      if (!ok || !user) {
        throttle.recordFailure(account, address, nowMs)
        loginFailed(account, address, user, 'bad_credentials')
        throw new VigilError('AUTH_BAD_CREDENTIALS', BAD_CREDENTIALS)
      }
      throttle.recordSuccess(account)
      // Only someone who knows the password learns that the account is disabled.
      if (!user.isActive) {
        loginFailed(account, address, user, 'inactive')
        throw new VigilError('AUTH_INACTIVE_USER', 'Inactive user')
      }
      ctx.audit.record({ action: 'auth.login_succeeded', actor: user, target: { type: 'user', id: user.id }, clientAddress: address })
      if (nowMs - lastPruneMs > 3600_000) {
        lastPruneMs = nowMs
        pruneRefreshTokens(ctx.db, nowMs, ctx.config.auth.refreshTokenTtlSec)
      }
      return issuePair(user.id, nowMs)
    },

    async refresh(refreshToken) {
      const nowMs = ctx.clock.wallMs()
      const { userId, next } = rotateRefreshToken(ctx.db, refreshToken, nowMs, ctx.config.auth.refreshTokenTtlSec)
      const user = findUserById(ctx.db, userId)
      if (!user || !user.isActive) {
        revokeAllForUser(ctx.db, userId, nowMs)
        throw new VigilError('AUTH_INACTIVE_USER', 'Inactive user')
      }
      const access = await signAccessToken(ctx, user)
      return { accessToken: access.token, refreshToken: next.token, expiresInSec: access.expiresInSec }
    },

    logout(refreshToken, address) {
      const userId = revokeFamilyOf(ctx.db, refreshToken, ctx.clock.wallMs())
      const user = userId ? findUserById(ctx.db, userId) : null
      if (user) ctx.audit.record({ action: 'auth.logged_out', actor: user, target: { type: 'user', id: user.id }, clientAddress: address })
    },

    async updateSelf(userId, input, address) {
      const user = findUserById(ctx.db, userId)
      if (!user) throw new VigilError('NOT_FOUND', 'User not found')
      const patch: UserPatch = {}
      if (input.fullName !== undefined) patch.fullName = input.fullName || null
      if (input.password !== undefined) {
        // A stolen access token must not become a way to guess the current password quickly.
        throttled(user.email, address)
        if (!(await verifyGated(user.email, address, input.currentPassword ?? '', user.passwordHash))) {
          throttle.recordFailure(user.email, address, ctx.clock.wallMs())
          throw new VigilError('BAD_REQUEST', 'Incorrect current password')
        }
        if (input.password === input.currentPassword) throw new VigilError('BAD_REQUEST', 'New password cannot be the same as the current one')
        patch.passwordHash = await hasher.hash(input.password)
        Object.assign(patch, revokeEverything(user.id, ctx.clock.wallMs()))
      }
      const updated = updateUser(ctx.db, user.id, patch, nowIso(ctx.clock.wallMs()))!
      if (patch.tokensValidAfterMs !== undefined) ctx.events.emit('user.changed', { userId: user.id, role: updated.role, isRevoked: true })
      if (patch.passwordHash !== undefined) ctx.audit.record({ action: 'user.password_changed', actor: user, target: { type: 'user', id: user.id }, clientAddress: address })
      return updated
    },

    adminUpdate(actor, userId, input, address) {
      const actorId = actor.id
      const { before, updated, isRevoked } = ctx.db.transaction(() => {
        const user = findUserById(ctx.db, userId)
        if (!user) throw new VigilError('NOT_FOUND', 'User not found')
        const patch: UserPatch = {}
        if (input.fullName !== undefined) patch.fullName = input.fullName || null
        if (input.role !== undefined) patch.role = input.role
        if (input.isActive !== undefined) patch.isActive = input.isActive
        const losesAdmin = user.role === 'admin' && user.isActive && ((input.role !== undefined && input.role !== 'admin') || input.isActive === false)
        if (losesAdmin && countActiveAdmins(ctx.db) <= 1) {
          throw new VigilError('CONFLICT', user.id === actorId ? 'You are the last active admin of this station' : 'Cannot remove the last active admin')
        }
        if (input.isActive === false && user.isActive) Object.assign(patch, revokeEverything(user.id, ctx.clock.wallMs()))
        return { before: user, updated: updateUser(ctx.db, user.id, patch, nowIso(ctx.clock.wallMs()))!, isRevoked: patch.tokensValidAfterMs !== undefined }
      })()
      // After the commit: what open connections are told must already be what a new request would see.
      if (isRevoked || updated.role !== before.role) ctx.events.emit('user.changed', { userId: updated.id, role: updated.role, isRevoked })
      ctx.audit.record({ action: adminEditAction(before, updated), actor, target: { type: 'user', id: updated.id }, clientAddress: address, detail: userDiff(before, updated) })
      return updated
    },

    close() {
      return hasher.close()
    }
  }
}
