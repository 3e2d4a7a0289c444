import { z } from 'zod'

export const healthResponseSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    station_id: z.string(),
    station_name: z.string(),
    uptime_s: z.number(),
    device: z.object({
      kind: z.string().nullable(),
      state: z.enum(['disconnected', 'connecting', 'streaming', 'reconnecting']),
      samples_received: z.number().int()
    })
  })
  .meta({ id: 'Health' })
export type HealthResponse = z.infer<typeof healthResponseSchema>
