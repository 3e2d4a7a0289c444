/**
 * Electrode impedance from the ADS1299's AC lead-off current, computed the way the OpenBCI GUI does:
 * the board drives a 6 nA current at ≈31.25 Hz (fDR/8 at 250 SPS) through the electrode and its
 * 2.2 kΩ series resistor, so Z = √2·σ / 6 nA − 2.2 kΩ, with σ the RMS of that test signal.
 *
 * σ is taken from the 31.25 Hz bin of a DFT over a whole number of periods (amplitude / √2), not from
 * the raw standard deviation, so EEG, drift and mains beside the tone do not inflate the value.
 * Accuracy: the ADS1299 datasheet gives the lead-off current source a tolerance of about ±20 %, and
 * the value includes the skin–electrode interface and the reference electrode's path; read results
 * as bands (good / acceptable / bad), not as ohms to the percent. Pure functions, no I/O.
 */

export const LEAD_OFF_CURRENT_A = 6e-9
export const SERIES_RESISTOR_OHM = 2200
export const LEAD_OFF_FREQUENCY_HZ = 31.25
/** Tolerance of the ADS1299's lead-off current source, as a fraction. */
export const LEAD_OFF_CURRENT_TOLERANCE = 0.2

export type ImpedanceRating = 'good' | 'acceptable' | 'bad'

export interface ImpedanceThresholds {
  /** Below this is good (default 10 kΩ). */
  goodBelowKohm: number
  /** Below this is acceptable (default 50 kΩ); at or above it the electrode is bad. */
  acceptableBelowKohm: number
}

export const DEFAULT_IMPEDANCE_THRESHOLDS: ImpedanceThresholds = { goodBelowKohm: 10, acceptableBelowKohm: 50 }

/** Amplitude (µV) of the `frequencyHz` component of `samplesUv`, over whole periods when the rate allows. */
export function toneAmplitudeUv(samplesUv: ArrayLike<number>, sampleRateHz: number, frequencyHz = LEAD_OFF_FREQUENCY_HZ): number {
  const periodSamples = sampleRateHz / frequencyHz
  let n = samplesUv.length
  if (Number.isInteger(periodSamples) && n >= periodSamples) n -= n % periodSamples
  if (n === 0) return 0
  let mean = 0
  for (let k = 0; k < n; k++) mean += samplesUv[k]
  mean /= n
  let re = 0
  let im = 0
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz
  for (let k = 0; k < n; k++) {
    const v = samplesUv[k] - mean
    re += v * Math.cos(w * k)
    im -= v * Math.sin(w * k)
  }
  return (2 * Math.hypot(re, im)) / n
}

/** Electrode impedance in Ω from samples recorded with the lead-off current on (never below 0). */
export function leadOffImpedanceOhm(samplesUv: ArrayLike<number>, sampleRateHz: number): number {
  const sigmaV = (toneAmplitudeUv(samplesUv, sampleRateHz) / Math.SQRT2) * 1e-6
  return Math.max(0, (Math.SQRT2 * sigmaV) / LEAD_OFF_CURRENT_A - SERIES_RESISTOR_OHM)
}

/** The lead-off tone amplitude (µV) an electrode of `impedanceOhm` produces: what an emulator sends. */
export function leadOffToneAmplitudeUv(impedanceOhm: number): number {
  return (impedanceOhm + SERIES_RESISTOR_OHM) * LEAD_OFF_CURRENT_A * 1e6
}

export function rateImpedance(impedanceKohm: number, thresholds: ImpedanceThresholds = DEFAULT_IMPEDANCE_THRESHOLDS): ImpedanceRating {
  if (impedanceKohm < thresholds.goodBelowKohm) return 'good'
  if (impedanceKohm < thresholds.acceptableBelowKohm) return 'acceptable'
  return 'bad'
}

/** Which input pin carries the electrode: N (Cyton with SRB2, the usual referential montage), P (bipolar), or both. */
export type LeadOffPins = 'n' | 'p' | 'both'

export interface ElectrodeImpedance {
  /** 0-based channel index in the descriptor's order. */
  channel: number
  label: string
  pin: 'n' | 'p'
  impedanceKohm: number
  rating: ImpedanceRating
}

export interface ImpedanceMeasurement {
  /** UTC epoch ms when the check finished. */
  tMs: number
  method: 'lead-off' | 'simulated'
  electrodes: ElectrodeImpedance[]
  thresholds: ImpedanceThresholds
  /** No electrode is bad. */
  passed: boolean
}

export function summarise(electrodes: ElectrodeImpedance[], thresholds: ImpedanceThresholds, tMs: number, method: ImpedanceMeasurement['method']): ImpedanceMeasurement {
  return { tMs, method, electrodes, thresholds, passed: electrodes.every((e) => e.rating !== 'bad') }
}
