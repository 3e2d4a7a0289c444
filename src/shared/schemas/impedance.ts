/** Electrode impedance checks (REST and WS carry the same shape, snake_case like the rest of the API). */
import { z } from 'zod'

export const IMPEDANCE_RATINGS = ['good', 'acceptable', 'bad'] as const

export const impedanceThresholdsSchema = z
  .object({
    good_below_kohm: z.number().positive().max(10_000),
    acceptable_below_kohm: z.number().positive().max(10_000)
  })
  .refine((t) => t.good_below_kohm <= t.acceptable_below_kohm, { message: 'good_below_kohm must not exceed acceptable_below_kohm' })
  .meta({ id: 'ImpedanceThresholds', description: 'Below good_below_kohm is good, below acceptable_below_kohm acceptable, else bad' })

export const electrodeImpedanceSchema = z
  .object({
    channel: z.number().int().min(0).meta({ description: '0-based, in the descriptor order' }),
    label: z.string(),
    pin: z.enum(['n', 'p']).meta({ description: 'ADS1299 input the lead-off current drove (Cyton with SRB2: n)' }),
    impedance_kohm: z.number().min(0),
    rating: z.enum(IMPEDANCE_RATINGS)
  })
  .meta({ id: 'ElectrodeImpedance' })

export const impedanceCheckSchema = z
  .object({
    id: z.number().int(),
    session_id: z.string().nullable(),
    t_ms: z.number().meta({ description: 'UTC epoch ms when the check finished' }),
    method: z.enum(['lead-off', 'simulated']),
    passed: z.boolean().meta({ description: 'No electrode rated bad' }),
    thresholds: impedanceThresholdsSchema,
    electrodes: z.array(electrodeImpedanceSchema)
  })
  .meta({ id: 'ImpedanceCheck' })
export type ImpedanceCheckResponse = z.infer<typeof impedanceCheckSchema>

export const impedanceCheckListSchema = z.object({ data: z.array(impedanceCheckSchema), count: z.number().int() }).meta({ id: 'ImpedanceCheckList' })

export const impedanceCheckRequestSchema = z
  .strictObject({
    session_id: z.string().min(1).max(100).optional().meta({ description: 'Store the result with this session (before recording, or during a pause)' }),
    pins: z.enum(['n', 'p', 'both']).optional().meta({ description: 'Default n; both = issue #1058-style P and N check' }),
    thresholds: impedanceThresholdsSchema.optional().meta({ description: 'Default: the station config (device.impedance)' })
  })
  .meta({ id: 'ImpedanceCheckRequest' })
export type ImpedanceCheckRequest = z.infer<typeof impedanceCheckRequestSchema>

export const impedanceCheckQuerySchema = z.strictObject({ session_id: z.string().min(1).max(100) })

export const impedanceCheckParamsSchema = z.strictObject({ id: z.coerce.number().int().positive() })

export const impedanceOverrideSchema = z
  .object({
    check_id: z.number().int(),
    session_id: z.string(),
    t_ms: z.number(),
    user_id: z.string(),
    bad_electrodes: z.array(z.string()).meta({ description: 'Labels of the electrodes rated bad in the check' })
  })
  .meta({ id: 'ImpedanceOverride', description: 'Someone started (or resumed) the recording although this check failed' })
export type ImpedanceOverrideResponse = z.infer<typeof impedanceOverrideSchema>
