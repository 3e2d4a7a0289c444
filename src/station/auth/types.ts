/** Who a request acts as, once its bearer token checked out. Roles come from the database on every check. */
export const ROLES = ['admin', 'researcher', 'student'] as const
export type Role = (typeof ROLES)[number]

export interface AuthUser {
  id: string
  email: string
  role: Role
  fullName: string | null
}
