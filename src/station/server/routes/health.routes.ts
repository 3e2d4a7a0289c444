import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { healthResponseSchema } from '../../../shared/schemas/health'
import { VIGIL_VERSION } from '../../paths'
import { diskSpace } from '../../storage/disk-space'

export async function healthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Station liveness, headset state and free disk space', response: { 200: healthResponseSchema } } },
    async () => {
      const { ctx } = app
      const device = ctx.devices.status()
      const disk = await diskSpace(ctx.config.dataDir, ctx.config.storage.lowDiskWarnGb * 1e9).catch(() => null)
      return {
        status: 'ok' as const,
        version: VIGIL_VERSION,
        station_id: ctx.stationId,
        station_name: ctx.config.stationName,
        uptime_s: Math.round((ctx.clock.wallMs() - ctx.startedAtMs) / 100) / 10,
        device: { kind: device.descriptor?.kind ?? null, state: device.state, samples_received: device.stats.samplesReceived },
        storage: disk && { free_bytes: disk.freeBytes, level: disk.level },
        tls: app.tls && { fingerprint_sha256: app.tls.current.fingerprintSha256, source: app.tls.current.source },
        consent_required: ctx.config.consent.required
      }
    }
  )
}
