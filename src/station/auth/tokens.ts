/**
 * Access tokens: HS256 JWTs (jose) with `iss`, `aud`, `sub`, `exp`, `iat`, `jti` and the RFC 9068
 * header `typ: at+jwt`. Verification pins the algorithm, requires every claim, then checks the user
 * row on each call: it must still exist, be active, and not have revoked tokens issued before
 * `tokens_valid_after` (password change, deactivation). Refresh tokens are opaque (refresh-tokens.ts),
 * so neither kind can pass for the other.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { VigilError } from '../../shared/errors'
import type { StationContext } from '../context'
import { newId } from '../ids'
import type { AuthUser } from './types'
import { findUserById } from './users.repository'

export const ACCESS_TOKEN_TYP = 'at+jwt'
const ALGORITHM = 'HS256'
/** Clock skew allowed on `exp`, `nbf` and `iat` (the station signs its own tokens, so only seconds). */
const CLOCK_TOLERANCE_SEC = 5

export interface IssuedAccessToken {
  token: string
  expiresInSec: number
}

export async function signAccessToken(ctx: StationContext, user: Pick<AuthUser, 'id'>): Promise<IssuedAccessToken> {
  const nowMs = ctx.clock.wallMs()
  const ttlSec = ctx.config.auth.accessTokenTtlSec
  // `iat` keeps milliseconds (NumericDate may be fractional, RFC 7519 §2) so a token issued right
  // after a password change is not mistaken for one issued before it.
  const token = await new SignJWT({ iat: nowMs / 1000 })
    .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYP })
    .setIssuer(ctx.config.auth.issuer)
    .setAudience(ctx.config.auth.audience)
    .setSubject(user.id)
    .setJti(newId())
    .setExpirationTime(Math.floor(nowMs / 1000) + ttlSec)
    .sign(ctx.jwtSecret)
  return { token, expiresInSec: ttlSec }
}

/** Checks a bearer access token and returns the user it acts for; throws `VigilError` AUTH_* otherwise. */
export async function verifyAccessToken(ctx: StationContext, token: string): Promise<AuthUser> {
  if (!token) throw new VigilError('AUTH_MISSING_TOKEN', 'Not authenticated')
  let sub: string
  let iatSec: number
  try {
    const { payload } = await jwtVerify(token, ctx.jwtSecret, {
      algorithms: [ALGORITHM],
      issuer: ctx.config.auth.issuer,
      audience: ctx.config.auth.audience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      currentDate: new Date(ctx.clock.wallMs()),
      clockTolerance: CLOCK_TOLERANCE_SEC
    })
    if (typeof payload.sub !== 'string' || typeof payload.iat !== 'number') throw new Error('malformed claims')
    // jose checks `nbf` but not an `iat` in the future: such a token would outlive a later
    // `tokens_valid_after` revocation, so it is refused beyond the same clock tolerance.
    if (payload.iat > ctx.clock.wallMs() / 1000 + CLOCK_TOLERANCE_SEC) throw new Error('iat in the future')
    sub = payload.sub
    iatSec = payload.iat
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new VigilError('AUTH_TOKEN_EXPIRED', 'Token expired')
    throw new VigilError('AUTH_INVALID_TOKEN', 'Could not validate credentials')
  }
  return activeUser(ctx, sub, Math.round(iatSec * 1000))
}

/**
 * The user a credential issued at `issuedAtMs` acts for, if it still may: the account exists, is
 * active and was not signed out everywhere since. Throws `VigilError` AUTH_* otherwise.
 */
export function activeUser(ctx: StationContext, userId: string, issuedAtMs: number): AuthUser {
  const user = findUserById(ctx.db, userId)
  if (!user) throw new VigilError('AUTH_INVALID_TOKEN', 'Could not validate credentials')
  if (!user.isActive) throw new VigilError('AUTH_INACTIVE_USER', 'Inactive user')
  if (issuedAtMs < user.tokensValidAfterMs) throw new VigilError('AUTH_TOKEN_REVOKED', 'Token revoked')
  return { id: user.id, email: user.email, role: user.role, fullName: user.fullName }
}

/** The token of an `Authorization: Bearer <token>` header; '' when there is none, AUTH_INVALID_TOKEN when it is not a bearer credential. */
export function bearerTokenOf(header: string | undefined): string {
  if (!header || !header.trim()) return ''
  const match = /^Bearer +(\S+)\s*$/i.exec(header)
  if (!match) throw new VigilError('AUTH_INVALID_TOKEN', 'Could not validate credentials')
  return match[1]
}
