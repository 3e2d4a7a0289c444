/** /audit: the audit trail for admins, as JSON pages and as CSV (the same filters). */
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { auditCsvQuerySchema, auditPageSchema, auditQuerySchema } from '../../../shared/schemas/audit'
import { errorResponseSchema } from '../../../shared/schemas/common'
import { auditCsvLines, iterateAudit, queryAuditPage } from '../../audit'
import { auditRequest } from '../audit-request'
import { bearerSecurity, requireAdmin } from '../plugins/auth'

const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 422: errorResponseSchema }

const FILTERS_DESCRIPTION =
  'Filters combine with AND: `from` (inclusive) and `to` (exclusive) are ISO-8601 times; `actor_email` matches the normalised (trimmed, lower-case) email, ' +
  'which for failed sign-ins is the one attempted. Newest first.'

export async function auditRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  // onRequest: non-admins are refused before their query is even validated.
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', requireAdmin)

  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail: who did what, when and from where (admin)',
        description: FILTERS_DESCRIPTION,
        security: bearerSecurity,
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...errors }
      }
    },
    async (request) => queryAuditPage(app.ctx.db, request.query)
  )

  app.get(
    '/audit.csv',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail as CSV, every row matching the filters (admin)',
        description:
          `${FILTERS_DESCRIPTION} Same columns as the JSON fields, \`detail\` as JSON; a cell starting with = + - @ gets a leading apostrophe ` +
          'so a spreadsheet shows it instead of running it. The download itself is recorded (`audit.exported`).',
        security: bearerSecurity,
        querystring: auditCsvQuerySchema
        // No response schema: the body is a text stream.
      }
    },
    async (request, reply) => {
      auditRequest(request, 'audit.exported', { type: 'audit', id: null }, { ...request.query })
      const stamp = new Date(app.ctx.clock.wallMs()).toISOString().slice(0, 19).replace(/[:T]/g, '-')
      reply.header('content-type', 'text/csv; charset=utf-8')
      reply.header('content-disposition', `attachment; filename="vigil-audit-${stamp}.csv"`)
      reply.header('cache-control', 'no-store')
      return reply.send(Readable.from(auditCsvLines(iterateAudit(app.ctx.db, request.query))))
    }
  )
}
