/** Query of `GET /sessions/:id/export`: which file to produce. */
import { z } from 'zod'

export const exportFormatSchema = z.enum(['bdf', 'edf', 'csv', 'bids']).meta({
  id: 'ExportFormat',
  description: 'bdf: BDF+ 24-bit; edf: EDF+ 16-bit; csv: zip of a samples CSV and an events CSV; bids: zipped BIDS-EEG dataset'
})

export const exportQuerySchema = z.object({
  format: exportFormatSchema.default('bdf'),
  /** Data file inside a BIDS export. */
  bids_eeg: z.enum(['bdf', 'edf']).default('bdf'),
  /** BDF/EDF records without samples: left out (+D) or written as 0 µV (+C). Default: discontinuous, fill inside BIDS. */
  gaps: z.enum(['discontinuous', 'fill']).optional()
})
export type ExportQuery = z.infer<typeof exportQuerySchema>
