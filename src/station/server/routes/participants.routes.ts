/** /participants: participant records and their consent (docs/sessions.md, "Participants and consent"). */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { errorResponseSchema } from '../../../shared/schemas/common'
import {
  participantCreateSchema,
  participantIdParamsSchema,
  participantListQuerySchema,
  participantPageSchema,
  participantSchema,
  participantUpdateSchema,
  type ParticipantResponse
} from '../../../shared/schemas/participants'
import type { Participant } from '../../participants/participants.repository'
import {
  createParticipant,
  deleteVisibleParticipant,
  findVisibleParticipant,
  listVisibleParticipants,
  updateVisibleParticipant
} from '../../participants/participants.service'
import { bearerSecurity } from '../plugins/auth'

export function toParticipantResponse(p: Participant): ParticipantResponse {
  return {
    id: p.id,
    participant_code: p.code,
    consent_form_version: p.consentFormVersion,
    consent_date: p.consentDate,
    consent_scopes: p.consentScopes,
    age: p.age,
    sex: p.sex,
    handedness: p.handedness,
    created_by: p.createdBy,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    version: p.version
  }
}

const BODY_LIMIT_BYTES = 16 * 1024
const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 422: errorResponseSchema }

export async function participantRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('onRequest', app.authenticate)

  app.post(
    '/participants',
    {
      bodyLimit: BODY_LIMIT_BYTES,
      schema: {
        tags: ['participants'],
        summary: "Record a participant's consent (before their first recording); 409 when the code has a record",
        security: bearerSecurity,
        body: participantCreateSchema,
        response: { 201: participantSchema, ...errors }
      }
    },
    async (request, reply) => reply.code(201).send(toParticipantResponse(createParticipant(app.ctx, request.user, request.body)))
  )

  app.get(
    '/participants',
    {
      schema: {
        tags: ['participants'],
        summary: 'Participant records you may see, by code (students: their own)',
        security: bearerSecurity,
        querystring: participantListQuerySchema,
        response: { 200: participantPageSchema, ...errors }
      }
    },
    async (request) => {
      const q = request.query
      const page = listVisibleParticipants(app.ctx, request.user, { code: q.participant_code }, q.skip, q.limit)
      return { data: page.data.map(toParticipantResponse), count: page.count }
    }
  )

  app.get(
    '/participants/:id',
    {
      schema: {
        tags: ['participants'],
        summary: 'One participant record',
        security: bearerSecurity,
        params: participantIdParamsSchema,
        response: { 200: participantSchema, ...errors }
      }
    },
    async (request) => toParticipantResponse(findVisibleParticipant(app.ctx, request.user, request.params.id))
  )

  app.patch(
    '/participants/:id',
    {
      bodyLimit: BODY_LIMIT_BYTES,
      schema: {
        tags: ['participants'],
        summary: 'Renew or withdraw consent, correct demographics (the code never changes)',
        description:
          "Withdrawing a scope stops what it allows from now on: recording (a recording of the participant is paused), syncing or exporting the participant's sessions.",
        security: bearerSecurity,
        params: participantIdParamsSchema,
        body: participantUpdateSchema,
        response: { 200: participantSchema, ...errors }
      }
    },
    async (request) => toParticipantResponse(await updateVisibleParticipant(app.ctx, request.user, request.params.id, request.body))
  )

  app.delete(
    '/participants/:id',
    {
      schema: {
        tags: ['participants'],
        summary: 'Delete a participant record that no session names (409 otherwise)',
        security: bearerSecurity,
        params: participantIdParamsSchema,
        response: { 204: z.undefined(), ...errors }
      }
    },
    async (request, reply) => {
      deleteVisibleParticipant(app.ctx, request.user, request.params.id)
      return reply.code(204).send()
    }
  )
}
