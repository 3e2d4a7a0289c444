/** Headset discovery, status and connection, on REST and the stream's `device.status` (snake_case like the rest of the API). */
import { z } from 'zod'
import { HEADSET_KINDS } from '../headsets'

/** Kinds a researcher can connect from the API: every row of the headset table. */
export const connectableDeviceKindSchema = z.enum(HEADSET_KINDS).meta({ id: 'DeviceKind' })

/**
 * `streaming` only while samples arrive. `no_data`: the port is open but nothing decodes (a board
 * switched off behind its dongle, a sketch printing text): not a lost port, so it is not reopened.
 */
export const DEVICE_STATES = ['disconnected', 'connecting', 'streaming', 'no_data', 'reconnecting'] as const
export const deviceStateSchema = z.enum(DEVICE_STATES).meta({ id: 'DeviceState' })
export type DeviceState = z.infer<typeof deviceStateSchema>

export const CHANNEL_QUALITIES = ['good', 'railed', 'flat', 'noisy', 'unknown'] as const
export const channelQualitySchema = z.enum(CHANNEL_QUALITIES).meta({ id: 'ChannelQuality' })
export type ChannelQuality = z.infer<typeof channelQualitySchema>

export const headsetGuessSchema = z
  .object({
    kind: connectableDeviceKindSchema,
    model: z.string(),
    confidence: z.enum(['high', 'low'])
  })
  .meta({ id: 'HeadsetGuess', description: 'A hint from USB vendor/product ids (or the path, for Bluetooth serial links).' })

export const devicePortSchema = z
  .object({
    path: z.string(),
    manufacturer: z.string().nullable(),
    serial_number: z.string().nullable(),
    vendor_id: z.string().nullable().meta({ description: 'USB vendor id, hex (e.g. 0403 = FTDI)' }),
    product_id: z.string().nullable().meta({ description: 'USB product id, hex (e.g. 6015 = FT231X, the OpenBCI dongle)' }),
    guess: headsetGuessSchema.nullable()
  })
  .meta({ id: 'DevicePort' })
export type DevicePortResponse = z.infer<typeof devicePortSchema>

export const devicePortListSchema = z.object({ data: z.array(devicePortSchema), count: z.number().int() }).meta({ id: 'DevicePortList' })

export const headsetDescriptorSchema = z
  .object({
    kind: z.string(),
    model: z.string(),
    channel_names: z.array(z.string()),
    sample_rate_hz: z.number(),
    full_scale_uv: z.number().meta({ description: '± input range in µV; 0 when the device did not declare one' }),
    unit: z.literal('uV'),
    gain: z.number().nullable(),
    port: z.string().nullable(),
    baud_rate: z.number().int().nullable()
  })
  .meta({ id: 'HeadsetDescriptor' })

export const deviceStatusSchema = z
  .object({
    state: deviceStateSchema,
    descriptor: headsetDescriptorSchema.nullable(),
    stats: z.object({
      samples_received: z.number().int(),
      samples_dropped: z.number().int(),
      gaps: z.number().int(),
      parse_errors: z.number().int(),
      reconnects: z.number().int()
    }),
    quality: z.array(channelQualitySchema).meta({ description: 'Per channel, in descriptor order, re-rated about once a second' }),
    detail: z.string().nullable()
  })
  .meta({ id: 'DeviceStatus' })
export type DeviceStatusResponse = z.infer<typeof deviceStatusSchema>

export const deviceConnectSchema = z
  .strictObject({
    kind: connectableDeviceKindSchema,
    path: z.string().min(1).max(300).optional().meta({ description: 'Serial port; omitted = the one port whose USB ids match the kind' }),
    baud_rate: z.number().int().min(1200).max(4_000_000).optional(),
    /** Accepted as an alias of `baud_rate`. */
    baudRate: z.number().int().min(1200).max(4_000_000).optional()
  })
  .meta({ id: 'DeviceConnect' })
export type DeviceConnectBody = z.infer<typeof deviceConnectSchema>
