/**
 * GET /sessions/:id/export?format=bdf|edf|csv|bids: the session as a standard file, streamed.
 * Whoever may read the session may export it (students: their own sessions); an invisible session
 * is 404 like everywhere else.
 */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { Readable } from 'node:stream'
import { exportQuerySchema } from '../../../shared/schemas/export'
import { sessionIdParamsSchema } from '../../../shared/schemas/sessions'
import { prepareSessionExport } from '../../export/session-export'
import { VIGIL_VERSION } from '../../paths'
import { findVisibleSession } from '../../sessions/sessions.service'
import { bearerSecurity } from '../plugins/auth'

export async function exportRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('preHandler', app.authenticate)

  app.get(
    '/sessions/:id/export',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Download a session as BDF+, EDF+, CSV (zip) or a BIDS-EEG dataset (zip)',
        description:
          'Streamed as an attachment. BDF+/EDF+ carry annotations for markers, game events, face events (blinks, eye closures, yawns, with durations), alerts and headset gaps; ' +
          'the CSV zip adds the ~1 Hz fatigue updates (_fatigue.csv), the BIDS zip has them under derivatives/vigil/. ' +
          'dropped samples make the file discontinuous (BDF+D/EDF+D). BDF and EDF responses have a Content-Length; zips are chunked. ' +
          'Errors as elsewhere: 401, 404 (unknown or not yours), 422 (bad format), 409 `EXPORT_EMPTY_SESSION` when nothing was recorded.',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        querystring: exportQuerySchema
        // No response schema: the body is a byte stream, which Fastify sends without serialising.
      }
    },
    async (request, reply) => {
      const { ctx } = app
      const session = findVisibleSession(ctx, request.user, request.params.id)
      const job = await prepareSessionExport(ctx.db, session.id, request.query.format, {
        powerLineHz: ctx.config.fatigue.mainsHz,
        vigilVersion: VIGIL_VERSION,
        bidsEegFormat: request.query.bids_eeg,
        gaps: request.query.gaps
      })
      const file = job.download()
      reply.type(file.contentType)
      reply.header('content-disposition', `attachment; filename="${file.name}"`)
      reply.header('cache-control', 'no-store')
      if (file.sizeBytes !== null) reply.header('content-length', String(file.sizeBytes))
      // Byte mode: the stream pulls the next chunk (one database page) only when the socket drained.
      return reply.send(Readable.from(file.chunks(), { objectMode: false }))
    }
  )
}
