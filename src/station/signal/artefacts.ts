/**
 * Artefact checks for one channel's analysis segment (reference §1.5, for headsets without ICA):
 * a large peak-to-peak swing is a blink or movement, a large share of 30–45 Hz power is muscle (EMG).
 * Flagged segments are left out of the Welch average and counted, never silently averaged in.
 */
import { integrateBand } from './welch'

export interface ArtefactThresholds {
  /** Segments swinging more than this (µV, after filtering) are rejected. */
  maxPeakToPeakUv: number
  /** EMG band and the largest share of the 1–45 Hz power it may carry. */
  emgBand: { lowHz: number; highHz: number }
  maxEmgFraction: number
}

export const DEFAULT_ARTEFACT_THRESHOLDS: ArtefactThresholds = {
  maxPeakToPeakUv: 150,
  emgBand: { lowHz: 30, highHz: 45 },
  maxEmgFraction: 0.3
}

export type ArtefactKind = 'amplitude' | 'emg'

export function peakToPeak(signal: ArrayLike<number>, offset: number, length: number): number {
  let min = Infinity
  let max = -Infinity
  for (let i = offset; i < offset + length; i++) {
    const v = signal[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  return length > 0 ? max - min : 0
}

export function emgFraction(psd: ArrayLike<number>, binHz: number, thresholds: ArtefactThresholds): number {
  const emg = integrateBand(psd, binHz, thresholds.emgBand.lowHz, thresholds.emgBand.highHz)
  const broad = integrateBand(psd, binHz, 1, thresholds.emgBand.highHz)
  return broad > 0 ? emg / broad : 0
}
