/**
 * The one error vocabulary of Vigil. Station code throws `VigilError` with one of these codes;
 * the HTTP error handler and the WebSocket close-code table translate them, each in one place.
 * The UI switches on `code`, never on message text.
 */
export const ERROR_CODES = {
  // request shape
  VALIDATION_FAILED: { httpStatus: 422 },
  BAD_REQUEST: { httpStatus: 400 },
  PAYLOAD_TOO_LARGE: { httpStatus: 413 },
  NOT_FOUND: { httpStatus: 404 },
  CONFLICT: { httpStatus: 409 },
  RATE_LIMITED: { httpStatus: 429 },
  /** JSON bodies must say so (`application/json`): text/plain is what a cross-site form can send without asking. */
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415 },
  /** A Host header that is not one of the station's names: DNS rebinding, or a name to add with --allowed-hosts. */
  HOST_NOT_ALLOWED: { httpStatus: 421 },
  // auth
  AUTH_MISSING_TOKEN: { httpStatus: 401 },
  AUTH_INVALID_TOKEN: { httpStatus: 401 },
  AUTH_TOKEN_EXPIRED: { httpStatus: 401 },
  AUTH_TOKEN_REVOKED: { httpStatus: 401 },
  AUTH_BAD_CREDENTIALS: { httpStatus: 401 },
  AUTH_INACTIVE_USER: { httpStatus: 401 },
  AUTH_FORBIDDEN: { httpStatus: 403 },
  AUTH_REGISTRATION_CLOSED: { httpStatus: 403 },
  // sessions
  SESSION_ILLEGAL_TRANSITION: { httpStatus: 409 },
  SESSION_ALREADY_RECORDING: { httpStatus: 409 },
  /** Data sent for a session that is not recording (planned, paused or ended). */
  SESSION_NOT_RECORDING: { httpStatus: 409 },
  /**
   * The session's participant has no record, or their consent lacks the scope the action needs
   * (details: participant_code, scope): local_recording to record, central_sync to sync, data_sharing to export.
   */
  CONSENT_REQUIRED: { httpStatus: 409 },
  // devices
  DEVICE_PORT_BUSY: { httpStatus: 409 },
  DEVICE_PORT_NOT_FOUND: { httpStatus: 404 },
  DEVICE_NOT_CONNECTED: { httpStatus: 409 },
  DEVICE_PROTOCOL_ERROR: { httpStatus: 502 },
  /** The connected headset cannot measure electrode impedance (ThinkGear, line protocol). */
  DEVICE_IMPEDANCE_UNSUPPORTED: { httpStatus: 409 },
  /**
   * Starting or resuming a recording after the session's latest impedance check failed, with no override
   * stored for that check (details: check_id, bad_electrodes). POST /devices/impedance-checks/:id/override, then retry.
   */
  IMPEDANCE_CHECK_FAILED: { httpStatus: 409 },
  // storage / sync
  STORAGE_DISK_FULL: { httpStatus: 507 },
  STORAGE_READ_ONLY: { httpStatus: 507 },
  STORAGE_UNKNOWN_MIGRATION: { httpStatus: 500 },
  SYNC_CENTRAL_UNAVAILABLE: { httpStatus: 503 },
  SYNC_NOT_CONFIGURED: { httpStatus: 409 },
  // export
  EXPORT_EMPTY_SESSION: { httpStatus: 409 },
  // generic
  CONFIG_INVALID: { httpStatus: 500 },
  INTERNAL: { httpStatus: 500 }
} as const satisfies Record<string, { httpStatus: number }>

export type ErrorCode = keyof typeof ERROR_CODES

export class VigilError extends Error {
  readonly code: ErrorCode
  /** Extra, safe-to-show context (never secrets). */
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'VigilError'
    this.code = code
    this.details = details
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus
  }
}

export function isVigilError(value: unknown): value is VigilError {
  return value instanceof VigilError
}
