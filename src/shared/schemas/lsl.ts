/** Lab Streaming Layer: streams the station can resolve, and the outlets it publishes (docs/lsl.md). */
import { z } from 'zod'

export const LSL_CHANNEL_FORMATS = ['float32', 'double64', 'string', 'int32', 'int16', 'int8', 'int64'] as const

export const lslStreamSchema = z
  .object({
    name: z.string(),
    type: z.string(),
    channel_count: z.number().int(),
    channel_format: z.enum(LSL_CHANNEL_FORMATS),
    /** 0 for irregular streams (markers). */
    nominal_srate_hz: z.number(),
    source_id: z.string(),
    hostname: z.string(),
    /** Where the discovery reply came from. */
    address: z.string(),
    uid: z.string(),
    session_id: z.string(),
    /** Whether `--device lsl:` could record it: numeric with a regular rate. */
    is_recordable: z.boolean()
  })
  .meta({ id: 'LslStream' })
export type LslStream = z.infer<typeof lslStreamSchema>

export const lslStreamListSchema = z.object({ data: z.array(lslStreamSchema), count: z.number().int() }).meta({ id: 'LslStreamList' })

export const lslStreamQuerySchema = z.object({
  /** XPath predicate on the stream info, e.g. `type='EEG'`; empty lists every stream. */
  query: z.string().max(1000).default(''),
  /** How long to listen for replies. */
  timeout_ms: z.coerce.number().int().min(100).max(10_000).default(1000)
})

export const LSL_OUTLET_ROLES = ['eeg', 'markers', 'fatigue', 'face', 'driving', 'quality'] as const

export const lslOutletSchema = z
  .object({
    session_id: z.string(),
    role: z.enum(LSL_OUTLET_ROLES),
    name: z.string(),
    type: z.string(),
    source_id: z.string(),
    uid: z.string(),
    data_port: z.number().int(),
    /** Inlets (LabRecorder, pylsl...) reading it now. */
    consumers: z.number().int()
  })
  .meta({ id: 'LslOutlet' })

export const lslOutletListSchema = z
  .object({
    /** `--lsl`: when false nothing is published and `data` is empty. */
    enabled: z.boolean(),
    data: z.array(lslOutletSchema),
    count: z.number().int()
  })
  .meta({ id: 'LslOutletList' })
