/**
 * The Fastify equivalents of the original's `get_current_user` and `require_admin` dependencies:
 * `app.authenticate` (preHandler: sets `request.user`, 401 + `WWW-Authenticate: Bearer` otherwise)
 * and `requireRole(...roles)` (403). They run in route hooks, so WebSocket upgrades can use them too
 * (@fastify/websocket routes the upgrade request through the normal hooks).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { VigilError } from '../../../shared/errors'
import { createAuthService, type AuthService } from '../../auth/auth.service'
import { bearerTokenOf, verifyAccessToken } from '../../auth/tokens'
import type { AuthUser, Role } from '../../auth/types'

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: preHandlerAsyncHookHandler
    /** Accounts and logins; owns the bcrypt worker pool, closed with the server. */
    authService: AuthService
  }
  interface FastifyRequest {
    /** Set by `authenticate`; read it only on routes that use it. */
    user: AuthUser
  }
}

/** preHandler: verifies the bearer token and sets `request.user`. */
export async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const token = bearerTokenOf(request.headers.authorization)
  if (!token) throw new VigilError('AUTH_MISSING_TOKEN', 'Not authenticated')
  request.user = await verifyAccessToken(request.server.ctx, token)
}

/** preHandler (after `authenticate`): 403 unless the user has one of `roles`. */
export function requireRole(...roles: Role[]): preHandlerAsyncHookHandler {
  return async function checkRole(request) {
    if (!request.user) throw new VigilError('AUTH_MISSING_TOKEN', 'Not authenticated')
    if (!roles.includes(request.user.role)) throw new VigilError('AUTH_FORBIDDEN', "The user doesn't have enough privileges")
  }
}

export const requireAdmin = requireRole('admin')

/** The OpenAPI `security` entry of a protected route (the scheme is declared in app.ts). */
export const bearerSecurity = [{ OAuth2PasswordBearer: [] }]

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    if (!app.hasRequestDecorator('user')) app.decorateRequest('user', null as unknown as AuthUser)
    app.decorate('authenticate', authenticate)
    const service = createAuthService(app.ctx)
    app.decorate('authService', service)
    app.addHook('onClose', () => service.close())
  },
  { name: 'vigil-auth' }
)
