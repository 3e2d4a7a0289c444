/**
 * Authorisation of a WebSocket upgrade, run in a route hook before anything is upgraded (so refusals
 * are ordinary HTTP responses through the error plugin: 403 Origin, 401 missing/invalid/expired token,
 * 404 unknown or invisible session). Browsers cannot set `Authorization` on a WebSocket, so the access
 * token comes as `?token=` or as the subprotocol pair `bearer, <token>`; the ws library echoes the
 * first offered subprotocol, `bearer`, never the token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { decodeJwt } from 'jose'
import { VigilError } from '../../../shared/errors'
import { bearerTokenOf, verifyAccessToken } from '../../auth/tokens'
import type { AuthUser } from '../../auth/types'
import type { StationContext } from '../../context'
import type { ConnectionAuth } from '../../hub/connection'
import { allowedOrigins } from '../origins'

export const BEARER_SUBPROTOCOL = 'bearer'

/** The token from `?token=`, `Sec-WebSocket-Protocol: bearer, <token>` or an `Authorization` header (scripts). */
export function upgradeTokenOf(request: FastifyRequest): string {
  const query = request.query as Record<string, unknown> | undefined
  if (typeof query?.token === 'string' && query.token) return query.token
  const offered = request.headers['sec-websocket-protocol']
  if (typeof offered === 'string') {
    const protocols = offered.split(',').map((p) => p.trim())
    const at = protocols.indexOf(BEARER_SUBPROTOCOL)
    if (at >= 0 && protocols[at + 1]) return protocols[at + 1]
  }
  return bearerTokenOf(request.headers.authorization)
}

/** A browser's Origin must be the station's own or a configured one; no Origin means a non-browser client. */
export function checkOrigin(app: FastifyInstance, origin: string | undefined): void {
  if (origin === undefined) return
  if (!allowedOrigins(app).has(origin)) throw new VigilError('AUTH_FORBIDDEN', `Origin ${origin} is not allowed to open WebSockets on this station`)
}

/** Verifies a token and reads its expiry (verification already required `exp`). */
export async function authenticateToken(ctx: StationContext, token: string): Promise<{ user: AuthUser; tokenExpiresAtMs: number }> {
  const user = await verifyAccessToken(ctx, token)
  const { exp } = decodeJwt(token)
  return { user, tokenExpiresAtMs: (exp ?? 0) * 1000 }
}

export async function authorizeUpgrade(app: FastifyInstance, request: FastifyRequest): Promise<ConnectionAuth> {
  checkOrigin(app, request.headers.origin)
  const token = upgradeTokenOf(request)
  if (!token) throw new VigilError('AUTH_MISSING_TOKEN', 'Not authenticated: pass the access token as ?token= or the subprotocols "bearer, <token>"')
  const { user, tokenExpiresAtMs } = await authenticateToken(app.ctx, token)
  return { user, tokenExpiresAtMs, reauthenticate: (fresh) => authenticateToken(app.ctx, fresh) }
}
