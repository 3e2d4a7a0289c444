/** Who may read and write a session: pure rules shared by REST, the stream hub and the monitor feed. */
import type { AuthUser } from '../auth/types'

/** Students see their own sessions only; researchers and admins see all. */
export function canReadSession(user: Pick<AuthUser, 'id' | 'role'>, session: { createdBy: string }): boolean {
  return user.role !== 'student' || session.createdBy === user.id
}

/** Admins change every session; everyone else only their own. */
export function canWriteSession(user: Pick<AuthUser, 'id' | 'role'>, session: { createdBy: string }): boolean {
  return user.role === 'admin' || session.createdBy === user.id
}

/** `canReadSession` for a session whose creator may be unknown (deleted): then only non-students see it. */
export function canSeeSession(user: Pick<AuthUser, 'id' | 'role'>, createdBy: string | undefined): boolean {
  return createdBy === undefined ? user.role !== 'student' : canReadSession(user, { createdBy })
}
