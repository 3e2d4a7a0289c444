/**
 * A session's montage: which electrode each channel is (its label in every file Vigil writes), where
 * it sits in the 10-20/10-10 system, and the reference and ground. REST and WS carry the same shape.
 */
import { z } from 'zod'

/** EDF/BDF signal labels are 16 printable ASCII characters; a label must survive the data file unchanged. */
export const montageLabelSchema = z
  .string()
  .min(1)
  .max(16)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, 'printable ASCII without leading or trailing spaces (the EDF/BDF label field)')

export const montageElectrodeSchema = z
  .object({
    label: montageLabelSchema.meta({ description: 'Channel label in the data file, channels.tsv and electrodes.tsv' }),
    position: z.string().min(1).max(8).nullable().meta({ description: '10-20/10-10 site (e.g. Fp1, FCz) or null for a channel off the head (EOG, ECG)' })
  })
  .meta({ id: 'MontageElectrode' })

export const montageInputSchema = z
  .strictObject({
    preset: z.string().min(1).max(40).nullable().default(null).meta({ description: 'The preset this montage started from, if any' }),
    electrodes: z.array(montageElectrodeSchema).min(1).max(64).meta({ description: 'One per channel, in the headset’s channel order' }),
    reference: z.string().min(1).max(60).meta({ description: 'e.g. "left earlobe (SRB2)", "Cz", "linked mastoids"' }),
    ground: z.string().min(1).max(60)
  })
  // No component id: the `preset` default makes its input and output shapes differ, and OpenAPI
  // generation refuses one name for both.
  .refine((m) => new Set(m.electrodes.map((e) => e.label.toLowerCase())).size === m.electrodes.length, { message: 'electrode labels must be unique', path: ['electrodes'] })
export type MontageInput = z.infer<typeof montageInputSchema>

export const montageSchema = z
  .object({
    session_id: z.string(),
    preset: z.string().nullable(),
    electrodes: z.array(montageElectrodeSchema),
    reference: z.string(),
    ground: z.string(),
    is_stored: z.boolean().meta({ description: 'false: nothing stored yet, this is the preset for the session’s (or the connected) headset' }),
    t_ms: z.number().nullable().meta({ description: 'UTC epoch ms of the stored edit; null when not stored' })
  })
  .meta({ id: 'Montage' })
export type MontageResponse = z.infer<typeof montageSchema>

export const montagePresetSchema = z
  .object({ id: z.string(), label: z.string(), electrodes: z.array(montageElectrodeSchema), reference: z.string(), ground: z.string() })
  .meta({ id: 'MontagePreset' })
