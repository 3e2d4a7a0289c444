/**
 * GET /sync/status and POST /sync/run: what is still to reach the central database and how fast it
 * goes. Researchers and admins only (students have no business with other people's backlog).
 */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { VigilError } from '../../../shared/errors'
import { errorResponseSchema } from '../../../shared/schemas/common'
import { syncStatusSchema } from '../../../shared/schemas/sync'
import { auditRequest } from '../audit-request'
import { bearerSecurity, requireRole } from '../plugins/auth'

const errors = { 401: errorResponseSchema, 403: errorResponseSchema }

export async function syncRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('preHandler', app.authenticate)
  app.addHook('preHandler', requireRole('researcher', 'admin'))

  app.get(
    '/sync/status',
    {
      schema: {
        tags: ['sync'],
        summary: 'Rows waiting for the central database, rate, ETA, last success and last error',
        description: 'Works without a central database too (`state: "disabled"`): `pending` then shows what would be sent.',
        security: bearerSecurity,
        response: { 200: syncStatusSchema, ...errors }
      }
    },
    async () => app.ctx.sync.status()
  )

  app.post(
    '/sync/run',
    {
      schema: {
        tags: ['sync'],
        summary: 'Sync now instead of waiting for the next pass or retry',
        description: 'Returns at once (202) with the current status; progress follows on `GET /sync/status` and the monitor stream.',
        security: bearerSecurity,
        response: { 202: syncStatusSchema, 409: errorResponseSchema, ...errors }
      }
    },
    async (request, reply) => {
      const { sync } = app.ctx
      if (!sync.isEnabled) throw new VigilError('SYNC_NOT_CONFIGURED', 'No central database configured: start the station with --central-url postgres://...')
      auditRequest(request, 'sync.run_requested', { type: 'sync', id: null })
      sync.runNow()
      return reply.code(202).send(sync.status())
    }
  )
}
