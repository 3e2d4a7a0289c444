/** Query of `GET /sessions/:id/export` (body of `POST /sessions/:id/export/link`): which file to produce. */
import { z } from 'zod'
import { DEFAULT_EXPORT_FORMAT, EXPORT_FORMAT_NAMES, EXPORT_FORMATS } from '../export-formats'

export const exportFormatSchema = z.enum(EXPORT_FORMAT_NAMES).meta({
  id: 'ExportFormat',
  description: EXPORT_FORMAT_NAMES.map((name) => `${name}: ${EXPORT_FORMATS[name].summary}`).join('; ')
})

export const exportQuerySchema = z.object({
  format: exportFormatSchema.default(DEFAULT_EXPORT_FORMAT),
  /** Data file inside a BIDS export. */
  bids_eeg: z.enum(['bdf', 'edf']).default('bdf'),
  /** BDF/EDF records without samples: written as 0 µV, marked BAD_data_gap (+C, the default), or left out (+D, which MNE reads wrongly). */
  gaps: z.enum(['discontinuous', 'fill']).optional(),
  /**
   * Shift dates by a per-dataset offset, bin ages above 89, drop free-text notes (docs/export.md).
   * Default: on for bids, off for the rest. `true`/`false` in a query string, a boolean in a body.
   */
  deidentify: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional()
})
export type ExportQuery = z.infer<typeof exportQuerySchema>

/** Answer of `POST /sessions/:id/export/link`: a one-time URL a browser can download from without a token. */
export const exportLinkSchema = z
  .object({
    url: z.string().meta({ description: 'Path of the download, relative to the station (GET, no Authorization header needed); valid once' }),
    file_name: z.string(),
    expires_in: z.number().int().meta({ description: 'Seconds until the link expires' })
  })
  .meta({ id: 'ExportLink' })
export type ExportLink = z.infer<typeof exportLinkSchema>
