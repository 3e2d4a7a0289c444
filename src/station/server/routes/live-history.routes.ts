/** /sessions/:id/live-history: what a live view needs to fill itself on open or reload. */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorResponseSchema } from '../../../shared/schemas/common'
import { liveHistoryQuerySchema, liveHistorySchema } from '../../../shared/schemas/live-history'
import { createLiveHistoryReader } from '../../sessions/live-history.reader'
import { findVisibleSession } from '../../sessions/sessions.service'
import { bearerSecurity } from '../plugins/auth'

const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 422: errorResponseSchema }

export async function liveHistoryRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('onRequest', app.authenticate)
  const reader = createLiveHistoryReader(app.ctx.db, app.ctx.fatigue.repository)

  app.get(
    '/sessions/:id/live-history',
    {
      schema: {
        tags: ['sessions'],
        summary: 'The last EEG window, the fatigue curve and the newest metrics of a session, for a live view opening late',
        description:
          'Bounded whatever the session length: `eeg_window_s` seconds of stored EEG (default 10, at most 30) and the newest 7200 fatigue points. ' +
          'The session stream (`/ws/sessions/:id`) carries on from `eeg.next_seq`. Samples still in the recorder\'s group commit (well under a second) are not yet stored.',
        security: bearerSecurity,
        params: z.object({ id: z.string().min(1).max(64) }),
        querystring: liveHistoryQuerySchema,
        response: { 200: liveHistorySchema, ...errors }
      }
    },
    async (request) => {
      const session = findVisibleSession(app.ctx, request.user, request.params.id)
      return reader.read(session.id, request.query.eeg_window_s)
    }
  )
}
