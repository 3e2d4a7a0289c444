/**
 * `GET /ws/session/:id` and `GET /ws/monitor` (WebSocket upgrades). Authorisation runs in the
 * `preValidation` hook, before the upgrade; the handlers are synchronous so the hub attaches its
 * message listener before the first frame can arrive. Protocol: docs/streaming-protocol.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { ConnectionAuth } from '../../hub/connection'
import type { Session } from '../../sessions/sessions.repository'
import { findVisibleSession } from '../../sessions/sessions.service'
import { auditRequest } from '../audit-request'
import { authorizeUpgrade } from '../ws/upgrade-auth'

interface Authorized {
  auth: ConnectionAuth
  session: Session | null
}

/** Upgrade attempts per client IP: bounds token guessing over WebSockets like the REST limits do. */
const upgradeRateLimit = { rateLimit: { max: 600, timeWindow: '1 minute' } }

export async function wsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const authorized = new WeakMap<FastifyRequest, Authorized>()

  app.get(
    '/ws/session/:id',
    {
      websocket: true,
      config: upgradeRateLimit,
      schema: { params: z.object({ id: z.string().min(1).max(100) }) },
      preValidation: async (request) => {
        const auth = await authorizeUpgrade(app, request)
        const { id } = request.params as { id: string }
        authorized.set(request, { auth, session: findVisibleSession(app.ctx, auth.user, id) })
      }
    },
    (socket, request) => {
      const { auth, session } = authorized.get(request)!
      auditRequest(request, 'live_view.opened', { type: 'session', id: session!.id }, { role: auth.user.role }, auth.user)
      app.ctx.hub.acceptSession(socket, auth, session!)
    }
  )

  app.get(
    '/ws/monitor',
    {
      websocket: true,
      config: upgradeRateLimit,
      preValidation: async (request) => {
        authorized.set(request, { auth: await authorizeUpgrade(app, request), session: null })
      }
    },
    (socket, request) => {
      // Not audited: every page of the app opens it for the header's status (a row per page view).
      app.ctx.hub.acceptMonitor(socket, authorized.get(request)!.auth)
    }
  )
}
