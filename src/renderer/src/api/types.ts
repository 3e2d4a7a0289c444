/** The REST shapes the pages read: re-exported from the station's zod schemas in src/shared, never redefined. */
export { ROLES, type Role, type UserResponse as User } from '@shared/schemas/users'

export { SESSION_STATUSES } from '@shared/schemas/sessions'
export type { SessionStatus, SessionResponse as Session, SessionDetailResponse as SessionDetail, MarkerResponse as Marker, SessionCreate, SessionUpdate } from '@shared/schemas/sessions'

export interface Page<T> {
  data: T[]
  count: number
}

export type { Alert, FatigueLevel, FatigueMetrics } from '@shared/schemas/fatigue'
export type { TokenResponse } from '@shared/schemas/auth'
