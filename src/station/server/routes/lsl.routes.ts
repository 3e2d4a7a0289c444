/** /lsl: LSL streams resolvable on the network (for `--device lsl:`) and the outlets the station publishes (researchers and admins). */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { VigilError } from '../../../shared/errors'
import { errorResponseSchema } from '../../../shared/schemas/common'
import { lslOutletListSchema, lslStreamListSchema, lslStreamQuerySchema } from '../../../shared/schemas/lsl'
import { lslNetworkOf } from '../../lsl/lsl-network'
import { LslQueryError, resolveStreams } from '../../lsl/protocol'
import { bearerSecurity, requireRole } from '../plugins/auth'

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema }

export async function lslRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('preHandler', app.authenticate)
  app.addHook('preHandler', requireRole('researcher', 'admin'))

  app.get(
    '/lsl/streams',
    {
      schema: {
        tags: ['lsl'],
        summary: 'LSL streams that answer a discovery query now (what `--device lsl:<predicate>` could record)',
        security: bearerSecurity,
        querystring: lslStreamQuerySchema,
        response: { 200: lslStreamListSchema, ...errors }
      }
    },
    async (request) => {
      const { query, timeout_ms: timeoutMs } = request.query
      let streams
      try {
        streams = await resolveStreams({ network: lslNetworkOf(app.ctx.config.lsl), query, timeoutMs, log: (m) => request.log.warn(m) })
      } catch (err) {
        if (err instanceof LslQueryError) throw new VigilError('BAD_REQUEST', `Not a valid LSL predicate: ${err.message}`)
        throw err
      }
      const data = streams
        .map((s) => ({
          name: s.name,
          type: s.type,
          channel_count: s.channelCount,
          channel_format: s.channelFormat,
          nominal_srate_hz: s.nominalSrateHz,
          source_id: s.sourceId,
          hostname: s.hostname,
          address: s.v4address,
          uid: s.uid,
          session_id: s.sessionId,
          is_recordable: s.channelFormat !== 'string' && s.nominalSrateHz > 0
        }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.hostname.localeCompare(b.hostname))
      return { data, count: data.length }
    }
  )

  app.get(
    '/lsl/outlets',
    {
      schema: {
        tags: ['lsl'],
        summary: 'The LSL outlets this station publishes now (`--lsl`), with their consumers',
        security: bearerSecurity,
        response: { 200: lslOutletListSchema, ...errors }
      }
    },
    async () => {
      const outlets = app.ctx.lsl?.outlets() ?? []
      return {
        enabled: app.ctx.lsl !== null,
        data: outlets.map((o) => ({ session_id: o.sessionId, role: o.role, name: o.name, type: o.type, source_id: o.sourceId, uid: o.uid, data_port: o.dataPort, consumers: o.consumers })),
        count: outlets.length
      }
    }
  )
}
