/**
 * Who may do what to a session: the one rule REST routes, the stream hub (src/station/hub/inbound.ts)
 * and the monitor feed all ask, so a request is never allowed on one path and refused on the other.
 * Pure: no I/O, the caller supplies the user and the session's creator. docs/sessions.md has the table.
 *
 * Reasoning: watching a session is monitoring work (a colleague covering a night drive reads the live
 * view, acknowledges an alert so it stops sounding, exports the recording to analyse it); none of that
 * changes what was recorded, and an acknowledgement is stored with who made it. Everything that changes
 * the record or the run (its metadata, lifecycle, markers, data, deletion) stays with the session's
 * creator and the admins, so two operators never steer one recording.
 */
import { VigilError, type ErrorCode } from '../../shared/errors'
import { SESSION_ACTIONS, type SessionAction } from '../../shared/schemas/sessions'
import type { AuthUser } from '../auth/types'

type Actor = Pick<AuthUser, 'id' | 'role'>
type Owned = { createdBy: string }

/** `reader`: anyone who may read the session; `owner`: its creator and admins. */
type Audience = 'reader' | 'owner'

interface Rule {
  audience: Audience
  /** The end of "Only the creator of the session or an admin can …", shown to whoever is refused. */
  refusal: string
}

export const SESSION_ACTION_RULES: Readonly<Record<SessionAction, Rule>> = {
  read: { audience: 'reader', refusal: 'read it' },
  export: { audience: 'reader', refusal: 'export it' },
  acknowledge_alert: { audience: 'reader', refusal: 'acknowledge its alerts' },
  edit: { audience: 'owner', refusal: 'edit it' },
  change_status: { audience: 'owner', refusal: 'start, pause, resume or stop it' },
  add_marker: { audience: 'owner', refusal: 'add markers to it' },
  send_data: { audience: 'owner', refusal: 'send data to it (EEG, face, game events, drive commands)' },
  delete: { audience: 'owner', refusal: 'delete it' }
}

/** Students see their own sessions only; researchers and admins see all. */
export function canReadSession(user: Actor, session: Owned): boolean {
  return user.role !== 'student' || session.createdBy === user.id
}

/** Admins change every session; everyone else only their own. */
export function canWriteSession(user: Actor, session: Owned): boolean {
  return user.role === 'admin' || session.createdBy === user.id
}

/** `canReadSession` for a session whose creator may be unknown (deleted): then only non-students see it. */
export function canSeeSession(user: Actor, createdBy: string | undefined): boolean {
  return createdBy === undefined ? user.role !== 'student' : canReadSession(user, { createdBy })
}

export function maySessionAction(user: Actor, action: SessionAction, session: Owned): boolean {
  if (!canReadSession(user, session)) return false
  return SESSION_ACTION_RULES[action].audience === 'reader' || canWriteSession(user, session)
}

/** Every action `user` may take on `session`, in the order of SESSION_ACTIONS (empty when it is invisible). */
export function allowedSessionActions(user: Actor, session: Owned): SessionAction[] {
  return SESSION_ACTIONS.filter((action) => maySessionAction(user, action, session))
}

export interface Refusal {
  code: Extract<ErrorCode, 'NOT_FOUND' | 'AUTH_FORBIDDEN'>
  message: string
}

/**
 * Why `user` may not take `action`, or null when they may. An invisible session is NOT_FOUND like an
 * unknown id (ids cannot be probed); a visible one is AUTH_FORBIDDEN with the rule in words.
 */
export function sessionActionRefusal(user: Actor, action: SessionAction, session: Owned): Refusal | null {
  if (!canReadSession(user, session)) return { code: 'NOT_FOUND', message: 'Session not found' }
  if (maySessionAction(user, action, session)) return null
  return { code: 'AUTH_FORBIDDEN', message: `Only the creator of the session or an admin can ${SESSION_ACTION_RULES[action].refusal}` }
}

/** `sessionActionRefusal` as a thrown VigilError, for REST handlers and services. */
export function assertSessionAction(user: Actor, action: SessionAction, session: Owned): void {
  const refusal = sessionActionRefusal(user, action, session)
  if (refusal) throw new VigilError(refusal.code, refusal.message, { action })
}
