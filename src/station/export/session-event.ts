/** The events an export turns into annotations, before they are placed on a file's time axis (session-reader.ts reads them). */

export type ExportEventSource = 'marker' | 'game' | 'face' | 'alert' | 'gap' | 'impedance'

/** An annotation-worthy event on the wall clock, before it is placed on a file's time axis. */
export interface SessionEvent {
  source: ExportEventSource
  timestampMs: number
  durationMs: number
  /** Short category: the BIDS trial_type (marker label, game event kind, alert type). */
  trialType: string
  value: string | null
  /** Human-readable text: the EDF+ annotation. */
  text: string
  /** A PVT response's reaction time in seconds (BIDS `response_time`); absent for other events. */
  responseTimeS?: number
  /**
   * Placed at the file's start when it happened before the first sample, its text saying how long
   * before (an impedance check before the recording): readers such as MNE-Python drop annotations
   * outside the data.
   */
  isKeptAtStart?: boolean
}
