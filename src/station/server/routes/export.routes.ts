/**
 * GET /sessions/:id/export?format=bdf|edf|csv|bids: the session as a standard file, streamed.
 * POST /sessions/:id/export/link + GET /downloads/:id: the same file through a one-time link, for
 * browsers (a native download cannot send the bearer header; see src/station/export/download-links.ts).
 * Whoever may read the session may export it (students: their own sessions); an invisible session
 * is 404 like everywhere else.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { Readable } from 'node:stream'
import { z } from 'zod'
import { VigilError } from '../../../shared/errors'
import { exportLinkSchema, exportQuerySchema, type ExportQuery } from '../../../shared/schemas/export'
import { sessionIdParamsSchema } from '../../../shared/schemas/sessions'
import { activeUser } from '../../auth/tokens'
import type { AuthUser } from '../../auth/types'
import type { StationContext } from '../../context'
import { createDownloadLinks } from '../../export/download-links'
import { prepareSessionExport, type SessionExport } from '../../export/session-export'
import { VIGIL_VERSION } from '../../paths'
import { assertConsent } from '../../participants/consent'
import { findSessionFor } from '../../sessions/sessions.service'
import { auditRequest } from '../audit-request'
import { bearerSecurity } from '../plugins/auth'

const ERRORS_DESCRIPTION =
  'Errors as elsewhere: 401, 404 (unknown or not yours), 422 (bad format), 409 `EXPORT_EMPTY_SESSION` when nothing was recorded, ' +
  '409 `CONSENT_REQUIRED` when the participant has not consented to data sharing. `deidentify` (default on for bids) shifts dates, bins ages above 89 and drops notes.'

function prepare(ctx: StationContext, user: AuthUser, sessionId: string, query: ExportQuery): Promise<SessionExport> {
  const session = findSessionFor(ctx, user, sessionId, 'export')
  // A file leaves the station's control: the participant must have consented to data sharing.
  assertConsent(ctx, session.participantCode, 'data_sharing')
  return prepareSessionExport(ctx.db, session.id, query.format, {
    deidentify: query.deidentify,
    powerLineHz: ctx.config.fatigue.mainsHz,
    vigilVersion: VIGIL_VERSION,
    lab: ctx.config.lab,
    bidsEegFormat: query.bids_eeg,
    gaps: query.gaps
  })
}

function sendExport(reply: FastifyReply, job: SessionExport): FastifyReply {
  const file = job.download()
  reply.type(file.contentType)
  reply.header('content-disposition', `attachment; filename="${file.name}"`)
  reply.header('cache-control', 'no-store')
  if (file.sizeBytes !== null) reply.header('content-length', String(file.sizeBytes))
  // Byte mode: the stream pulls the next chunk (one database page) only when the socket drained.
  return reply.send(Readable.from(file.chunks(), { objectMode: false }))
}

export async function exportRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const links = createDownloadLinks<{ sessionId: string; job: SessionExport }>(app.ctx.clock)

  app.get(
    '/sessions/:id/export',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['sessions'],
        summary: 'Download a session as BDF+, EDF+, CSV (zip) or a BIDS-EEG dataset (zip)',
        description:
          'Streamed as an attachment. BDF+/EDF+ carry annotations for markers, game events, face events (blinks, eye closures, yawns, with durations), alerts and headset gaps; ' +
          'the CSV zip adds the ~1 Hz fatigue updates (_fatigue.csv), the BIDS zip has them under derivatives/vigil/. ' +
          'records without samples are filled with 0 µV and annotated BAD_data_gap (BDF+C/EDF+C) unless gaps=discontinuous leaves them out (BDF+D/EDF+D). BDF and EDF responses have a Content-Length; zips are chunked. ' +
          ERRORS_DESCRIPTION,
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        querystring: exportQuerySchema
        // No response schema: the body is a byte stream, which Fastify sends without serialising.
      }
    },
    async (request, reply) => {
      const job = await prepare(app.ctx, request.user, request.params.id, request.query)
      auditRequest(request, 'export.downloaded', { type: 'session', id: request.params.id }, { format: request.query.format, file_name: job.download().name })
      return sendExport(reply, job)
    }
  )

  app.post(
    '/sessions/:id/export/link',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['sessions'],
        summary: 'Prepare an export and get a one-time download link for it (for browsers)',
        description:
          'Same options and errors as `GET /sessions/:id/export`, checked now. The answer is a URL that a browser can open without an Authorization header: ' +
          'valid for 60 s, once, for the user who asked. 429 with more than 20 unused links. ' +
          ERRORS_DESCRIPTION,
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        body: exportQuerySchema,
        response: { 200: exportLinkSchema }
      }
    },
    async (request) => {
      const job = await prepare(app.ctx, request.user, request.params.id, request.body)
      const link = links.issue(request.user.id, { sessionId: request.params.id, job })
      auditRequest(request, 'export.link_created', { type: 'session', id: request.params.id }, { format: request.body.format, file_name: job.download().name })
      return { url: `/api/v1/downloads/${link.id}`, file_name: job.download().name, expires_in: Math.round((link.expiresAtMs - app.ctx.clock.wallMs()) / 1000) }
    }
  )

  app.get(
    '/downloads/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Download through a one-time link from `POST /sessions/:id/export/link` (no Authorization header)',
        description: '404 when the link is unknown, used or expired, or when its user may no longer read the session (signed out everywhere, deactivated, session deleted).',
        params: z.object({ id: z.string().min(1).max(100) })
      }
    },
    async (request, reply) => {
      const { userId, issuedAtMs, payload } = links.redeem(request.params.id)
      // The link is only as good as the account behind it, checked again now (as a token would be).
      let user: AuthUser
      try {
        user = activeUser(app.ctx, userId, issuedAtMs)
      } catch {
        throw new VigilError('NOT_FOUND', 'Download link unknown, already used or expired; start the export again')
      }
      findSessionFor(app.ctx, user, payload.sessionId, 'export')
      auditRequest(request, 'export.link_used', { type: 'session', id: payload.sessionId }, { file_name: payload.job.download().name }, user)
      return sendExport(reply, payload.job)
    }
  )
}
