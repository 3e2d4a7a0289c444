/**
 * Every format a session can be exported as, as one table: the API's enum, the export panel, the CLI
 * and the station's writers (`station/export/export-writers.ts`, checked against this table by the
 * compiler) all read it. Adding a format is a writer and one row here. Pure data: the renderer reads it.
 */

export interface ExportFormatInfo {
  /** What the export panel's menu says. */
  label: string
  /** One phrase for the API reference. */
  summary: string
  /** What the export panel says under the menu. */
  hint: string
  /** What the CLI's help says (one paragraph; the CLI wraps it). */
  details: string
  /** Extension of the single file a download carries. */
  extension: string
  /** Content type of the single file a download carries. */
  contentType: string
  /** Whether the researcher chooses how headset gaps are written (BIDS always fills them). */
  hasGapChoice: boolean
}

export const EXPORT_FORMATS = {
  bdf: {
    label: 'BDF+ (24-bit)',
    summary: 'BDF+ 24-bit',
    hint: 'Full resolution; MNE, EEGLAB, EDFbrowser. Markers, game and face events and alerts as annotations.',
    details: 'BDF+ (24-bit), annotations for markers, game events, face events (blinks, eye closures, yawns), alerts and headset gaps',
    extension: 'bdf',
    contentType: 'application/octet-stream',
    hasGapChoice: true
  },
  edf: {
    label: 'EDF+ (16-bit)',
    summary: 'EDF+ 16-bit',
    hint: 'For tools that read only EDF; amplitudes are quantised to 16 bits per channel range.',
    details: 'EDF+ (16-bit), per-channel physical range taken from the data so nothing clips',
    extension: 'edf',
    contentType: 'application/octet-stream',
    hasGapChoice: true
  },
  csv: {
    label: 'CSV (zip)',
    summary: 'zip of a samples CSV, an events CSV and a fatigue CSV',
    hint: 'Samples, events and ~1 Hz fatigue values as three CSV files.',
    details:
      'FILE gets the samples (time_s, timestamp_ms, seq, one column per channel in µV); the events and the ~1 Hz fatigue updates go next to it as <FILE>_events.csv and <FILE>_fatigue.csv. With --out NAME.zip, all three in one zip.',
    extension: 'zip',
    contentType: 'application/zip',
    hasGapChoice: false
  },
  bids: {
    label: 'BIDS-EEG (zip)',
    summary: 'zipped BIDS-EEG dataset',
    hint: 'A BIDS dataset with sidecars, events and a fatigue derivative.',
    details: 'a zipped BIDS-EEG dataset (sub-<participant>/ses-<n>/eeg/...; fatigue updates under derivatives/vigil/)',
    extension: 'zip',
    contentType: 'application/zip',
    hasGapChoice: false
  }
} as const satisfies Record<string, ExportFormatInfo>

export type ExportFormat = keyof typeof EXPORT_FORMATS
/** Full resolution, and every EEG tool reads it. */
export const DEFAULT_EXPORT_FORMAT: ExportFormat = 'bdf'
/** In table order. */
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as [ExportFormat, ...ExportFormat[]]

export function isExportFormat(format: string): format is ExportFormat {
  return Object.hasOwn(EXPORT_FORMATS, format)
}
