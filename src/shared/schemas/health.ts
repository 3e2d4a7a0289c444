/** `GET /health`: liveness, the headset in brief and the disk. */
import { z } from 'zod'
import { deviceStateSchema } from './devices'

export const healthResponseSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    station_id: z.string(),
    station_name: z.string(),
    uptime_s: z.number(),
    device: z.object({
      kind: z.string().nullable(),
      state: deviceStateSchema,
      samples_received: z.number().int()
    }),
    storage: z
      .object({
        free_bytes: z.number().describe('free space on the disk holding the station database'),
        level: z.enum(['ok', 'low', 'critical']).describe('low below --low-disk-gb, critical below a quarter of it')
      })
      .nullable()
      .describe('null when the free space cannot be read'),
    tls: z
      .object({
        fingerprint_sha256: z.string().describe('SHA-256 of the certificate, AB:CD:… as browsers show it'),
        source: z.enum(['generated', 'lab']).describe("generated: made by the station on first run; lab: --tls-cert")
      })
      .nullable()
      .describe('null on plain HTTP'),
    consent_required: z.boolean().describe('whether recording, sync and export need the participant\'s consent (--require-consent); the new-session form asks for it then')
  })
  .meta({ id: 'Health' })
export type HealthResponse = z.infer<typeof healthResponseSchema>
