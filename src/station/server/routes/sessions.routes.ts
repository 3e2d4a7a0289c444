/** /sessions: recording sessions (CRUD, lifecycle through PATCH `status`) and their markers. */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorResponseSchema } from '../../../shared/schemas/common'
import {
  markerCreateSchema,
  markerSchema,
  sessionCreateSchema,
  sessionDetailSchema,
  sessionIdParamsSchema,
  sessionListQuerySchema,
  sessionPageSchema,
  sessionSchema,
  sessionUpdateSchema,
  type PauseReason,
  type SessionResponse
} from '../../../shared/schemas/sessions'
import { montageInputSchema, montageSchema } from '../../../shared/schemas/montage'
import { sessionAuditAction } from '../../audit'
import { getSessionMontage, setSessionMontage, type SessionMontage } from '../../sessions/montage.service'
import type { AuthUser } from '../../auth/types'
import type { StationContext } from '../../context'
import { allowedSessionActions } from '../../sessions/permissions'
import { headsetOutages, lastInterruption, listMarkers, sessionCounters, type Session } from '../../sessions/sessions.repository'
import {
  addMarker,
  createSession,
  deleteVisibleSession,
  findVisibleSession,
  listVisibleSessions,
  updateVisibleSession
} from '../../sessions/sessions.service'
import { auditRequest } from '../audit-request'
import { bearerSecurity } from '../plugins/auth'
import { toMarkerResponse } from '../responses'

/** A session as `user` sees it: `allowed_actions` are theirs (src/station/sessions/permissions.ts). */
export function toSessionResponse(ctx: StationContext, user: AuthUser, session: Session): SessionResponse {
  const counters = sessionCounters(ctx.db, session.id)
  return {
    id: session.id,
    station_id: session.stationId,
    name: session.name,
    participant_code: session.participantCode,
    notes: session.notes,
    scenario: session.scenario,
    device: session.device
      ? { kind: session.device.kind, port: session.device.port, channel_names: session.device.channelNames, sample_rate_hz: session.device.sampleRateHz }
      : null,
    status: session.status,
    started_at: session.startedAt,
    ended_at: session.endedAt,
    created_by: session.createdBy,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
    version: session.version,
    counters: { samples: counters.samples, face_events: counters.faceEvents, game_events: counters.gameEvents, alerts: counters.alerts },
    allowed_actions: allowedSessionActions(user, session),
    pause_reason: pauseReasonOf(ctx, session)
  }
}

/** The station's own pause, while it lasts: any later change of the session bumps its version past it. */
function pauseReasonOf(ctx: StationContext, session: Session): PauseReason | null {
  if (session.status !== 'paused') return null
  const interruption = lastInterruption(ctx.db, session.id)
  if (!interruption || interruption.sessionVersion !== session.version) return null
  return {
    code: interruption.reason,
    at: new Date(interruption.tMs).toISOString(),
    last_sample_at: interruption.lastSampleTMs === null ? null : new Date(interruption.lastSampleTMs).toISOString()
  }
}

function toDetail(ctx: StationContext, user: AuthUser, session: Session) {
  const nowMs = ctx.clock.wallMs()
  const outages = headsetOutages(ctx.db, session).map((o) => ({
    from: new Date(o.fromMs).toISOString(),
    to: o.toMs === null ? null : new Date(o.toMs).toISOString(),
    seconds: Math.max(0, ((o.toMs ?? nowMs) - o.fromMs) / 1000)
  }))
  return { ...toSessionResponse(ctx, user, session), markers: listMarkers(ctx.db, session.id).map(toMarkerResponse), headset_outages: outages }
}

const SESSION_BODY_LIMIT_BYTES = 64 * 1024
const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 422: errorResponseSchema }

function toMontageResponse(m: SessionMontage) {
  return { session_id: m.sessionId, preset: m.preset, electrodes: m.electrodes, reference: m.reference, ground: m.ground, is_stored: m.isStored, t_ms: m.tMs }
}

export async function sessionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  // onRequest: anonymous callers are refused before their body is even parsed or validated.
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/sessions',
    {
      bodyLimit: SESSION_BODY_LIMIT_BYTES,
      schema: {
        tags: ['sessions'],
        summary: 'Plan a recording session (status `planned`)',
        security: bearerSecurity,
        body: sessionCreateSchema,
        response: { 201: sessionSchema, ...errors }
      }
    },
    async (request, reply) => {
      const session = createSession(app.ctx, request.user, request.body)
      auditRequest(request, 'session.created', { type: 'session', id: session.id }, { name: session.name })
      return reply.code(201).send(toSessionResponse(app.ctx, request.user, session))
    }
  )

  app.get(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sessions you may see, newest first (students: their own)',
        security: bearerSecurity,
        querystring: sessionListQuerySchema,
        response: { 200: sessionPageSchema, ...errors }
      }
    },
    async (request) => {
      const q = request.query
      const page = listVisibleSessions(
        app.ctx,
        request.user,
        {
          status: q.status,
          participantCode: q.participant_code,
          createdBy: q.created_by,
          // Stored times are UTC ISO strings; normalise the bounds the same way so they compare as text.
          createdAfter: q.created_after ? new Date(q.created_after).toISOString() : undefined,
          createdBefore: q.created_before ? new Date(q.created_before).toISOString() : undefined
        },
        q.skip,
        q.limit
      )
      return { data: page.data.map((s) => toSessionResponse(app.ctx, request.user, s)), count: page.count }
    }
  )

  app.get(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'One session with its markers',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        response: { 200: sessionDetailSchema, ...errors }
      }
    },
    async (request) => toDetail(app.ctx, request.user, findVisibleSession(app.ctx, request.user, request.params.id))
  )

  app.patch(
    '/sessions/:id',
    {
      bodyLimit: SESSION_BODY_LIMIT_BYTES,
      schema: {
        tags: ['sessions'],
        summary: 'Edit a session, or move it through its lifecycle with `status` (start, pause, resume, stop, abort)',
        description:
          'planned→recording (start), recording→paused (pause), paused→recording (resume), recording|paused→completed (stop), ' +
          'planned|recording|paused→aborted. Other changes are 409. Only one session records at a time (409). ' +
          'Start and resume are 409 `IMPEDANCE_CHECK_FAILED` when the session\'s latest impedance check failed and no override is stored for it. ' +
          '`completed` is reported only after every buffered sample is committed.',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        body: sessionUpdateSchema,
        response: { 200: sessionDetailSchema, ...errors }
      }
    },
    async (request) => {
      const from = findVisibleSession(app.ctx, request.user, request.params.id).status
      const session = await updateVisibleSession(app.ctx, request.user, request.params.id, request.body)
      auditRequest(request, sessionAuditAction(from, session.status), { type: 'session', id: session.id }, { from, to: session.status, fields: Object.keys(request.body).sort().join(',') })
      return toDetail(app.ctx, request.user, session)
    }
  )

  app.get(
    '/sessions/:id/montage',
    {
      schema: {
        tags: ['sessions'],
        summary: 'The session’s montage: stored, or the preset for its (or the connected) headset',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        response: { 200: montageSchema, ...errors }
      }
    },
    async (request) => toMontageResponse(getSessionMontage(app.ctx, request.user, request.params.id))
  )

  app.put(
    '/sessions/:id/montage',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Set the session’s electrode labels, 10-20/10-10 sites, reference and ground (before recording)',
        description:
          'One electrode per channel in the headset’s order (422 when the count differs from the session’s or the connected headset, or a site is not a 10-20/10-10 name). ' +
          '409 SESSION_ILLEGAL_TRANSITION once the session has left `planned`: the labels of a recording are fixed.',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        body: montageInputSchema,
        response: { 200: montageSchema, ...errors }
      }
    },
    async (request) => {
      const montage = setSessionMontage(app.ctx, request.user, request.params.id, request.body)
      auditRequest(request, 'session.updated', { type: 'session', id: montage.sessionId }, { fields: 'montage' })
      return toMontageResponse(montage)
    }
  )

  app.delete(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Delete a session and all its data (refused while recording); the deletion reaches the central database on the next sync',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        response: { 204: z.undefined(), ...errors }
      }
    },
    async (request, reply) => {
      await deleteVisibleSession(app.ctx, request.user, request.params.id)
      auditRequest(request, 'session.deleted', { type: 'session', id: request.params.id })
      return reply.code(204).send()
    }
  )

  app.post(
    '/sessions/:id/markers',
    {
      bodyLimit: SESSION_BODY_LIMIT_BYTES,
      schema: {
        tags: ['sessions'],
        summary: 'Add an operator marker (label, time, optional value) to a session',
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        body: markerCreateSchema,
        response: { 201: markerSchema, ...errors }
      }
    },
    async (request, reply) => {
      const marker = await addMarker(app.ctx, request.user, request.params.id, { label: request.body.label, tMs: request.body.t_ms, value: request.body.value })
      return reply.code(201).send(toMarkerResponse(marker))
    }
  )

  app.get(
    '/sessions/:id/markers',
    {
      schema: {
        tags: ['sessions'],
        summary: "A session's markers in time order",
        security: bearerSecurity,
        params: sessionIdParamsSchema,
        response: { 200: z.array(markerSchema), ...errors }
      }
    },
    async (request) => listMarkers(app.ctx.db, findVisibleSession(app.ctx, request.user, request.params.id).id).map(toMarkerResponse)
  )
}
