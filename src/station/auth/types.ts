/** Who a request acts as, once its bearer token checked out. Roles come from the database on every check. */
import type { Role } from '../../shared/schemas/users'

export { ROLES, type Role } from '../../shared/schemas/users'

export interface AuthUser {
  id: string
  email: string
  role: Role
  fullName: string | null
}
