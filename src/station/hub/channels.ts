/** The hub's per-session channels and what a connection may do on one. */
import type { SessionStatus } from '../../shared/schemas/sessions'
import { CLOSE_CODES } from '../../shared/protocol/close-codes'
import { canReadSession, canWriteSession } from '../sessions/permissions'
import type { HubConnection } from './connection'
import type { SessionTimes } from '../ingest/time-window'

export interface SessionChannel {
  id: string
  status: SessionStatus
  createdBy: string
  /** For the client-timestamp window; refreshed on every status change, so admitting data reads no row. */
  times: SessionTimes
  subscribers: Set<HubConnection>
  producers: Set<HubConnection>
}

export type SessionChannels = Map<string, SessionChannel>

/**
 * Gives a connection its user as verified now (new token, new role): a session connection that user
 * may no longer read closes with 4004, otherwise its write permission follows. False when closed.
 */
export function applyUser(channels: SessionChannels, conn: HubConnection, user: HubConnection['user'], reason: string): boolean {
  conn.user = user
  if (!conn.sessionId) return true
  const channel = channels.get(conn.sessionId)
  if (!channel || !canReadSession(user, channel)) {
    conn.close(CLOSE_CODES.SESSION_GONE, reason)
    return false
  }
  conn.canWrite = canWriteSession(user, channel)
  return true
}
