/**
 * WebSocket close codes the station uses, and the one translation from error codes to them. Refusals
 * before the upgrade (missing or expired token, Origin, unknown session) are plain HTTP responses
 * (401/403/404 with `{detail, code}`), not close codes: nothing is upgraded yet.
 */
import type { ErrorCode } from '../errors'

export const CLOSE_CODES = {
  /** The client closed, or the session ended normally. */
  NORMAL: 1000,
  /** The station is shutting down. */
  GOING_AWAY: 1001,
  /** Generic policy violation (used by the ws library, e.g. for unexpected frames). */
  POLICY_VIOLATION: 1008,
  /** A message exceeded `maxPayloadBytes` (sent by the ws library itself). */
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  /** The client read so slowly that even reliable messages (acks, errors, alerts) could not be queued. */
  TRY_AGAIN_LATER: 1013,
  /** The access token expired and no `auth.refresh` arrived in time. */
  TOKEN_EXPIRED: 4001,
  /** The token or the user was revoked, or `auth.refresh` carried a token for another user. */
  AUTH_REVOKED: 4003,
  /** The session was deleted, or this user may no longer see it. */
  SESSION_GONE: 4004,
  /** Too many invalid messages in a row. */
  TOO_MANY_INVALID: 4400,
  /** The per-connection message rate was exceeded repeatedly. */
  RATE_LIMITED: 4429
} as const

export type CloseCodeName = keyof typeof CLOSE_CODES
export type CloseCode = (typeof CLOSE_CODES)[CloseCodeName]

/** The close code for an error that ends a connection after the upgrade. */
export function closeCodeFor(code: ErrorCode): CloseCode {
  switch (code) {
    case 'AUTH_TOKEN_EXPIRED':
      return CLOSE_CODES.TOKEN_EXPIRED
    case 'AUTH_MISSING_TOKEN':
    case 'AUTH_INVALID_TOKEN':
    case 'AUTH_TOKEN_REVOKED':
    case 'AUTH_INACTIVE_USER':
    case 'AUTH_BAD_CREDENTIALS':
    case 'AUTH_FORBIDDEN':
      return CLOSE_CODES.AUTH_REVOKED
    case 'NOT_FOUND':
      return CLOSE_CODES.SESSION_GONE
    case 'RATE_LIMITED':
      return CLOSE_CODES.RATE_LIMITED
    case 'VALIDATION_FAILED':
    case 'BAD_REQUEST':
      return CLOSE_CODES.TOO_MANY_INVALID
    case 'PAYLOAD_TOO_LARGE':
      return CLOSE_CODES.MESSAGE_TOO_BIG
    default:
      return CLOSE_CODES.INTERNAL_ERROR
  }
}
