/** /sessions/:id/alerts: the fatigue alerts of a session, and their acknowledgement by an operator. */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorResponseSchema } from '../../../shared/schemas/common'
import { alertListQuerySchema, alertPageSchema, alertSchema } from '../../../shared/schemas/fatigue'
import { findSessionFor, findVisibleSession } from '../../sessions/sessions.service'
import { bearerSecurity } from '../plugins/auth'

const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 422: errorResponseSchema }
const sessionParams = z.object({ id: z.string().min(1).max(64) })
const alertParams = sessionParams.extend({ alertId: z.string().min(1).max(64) })

export async function alertRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/sessions/:id/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: "A session's fatigue alerts, newest first",
        security: bearerSecurity,
        params: sessionParams,
        querystring: alertListQuerySchema,
        response: { 200: alertPageSchema, ...errors }
      }
    },
    async (request) => {
      const session = findVisibleSession(app.ctx, request.user, request.params.id)
      const q = request.query
      return app.ctx.fatigue.repository.listAlerts(session.id, { skip: q.skip, limit: q.limit, unacknowledged: q.unacknowledged, sinceMs: q.since_ms })
    }
  )

  app.post(
    '/sessions/:id/alerts/:alertId/ack',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an alert (idempotent: a repeat keeps the first acknowledgement)',
        description: 'Also broadcast as `alert.acknowledged` on the session and monitor streams.',
        security: bearerSecurity,
        params: alertParams,
        response: { 200: alertSchema, ...errors }
      }
    },
    async (request) => {
      // Who may acknowledge is src/station/sessions/permissions.ts's rule, the same as `alert.ack` on the stream.
      const session = findSessionFor(app.ctx, request.user, request.params.id, 'acknowledge_alert')
      return app.ctx.fatigue.acknowledge(session.id, request.params.alertId, request.user.id)
    }
  )
}
