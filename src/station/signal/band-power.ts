/**
 * EEG band powers from a PSD, and the slow/fast ratio indices of Jap et al. 2009. Band edges are data
 * (configurable); the defaults are the common generic definition (docs/fatigue.md §EEG).
 */
import { integrateBand } from './welch'

export type BandName = 'delta' | 'theta' | 'alpha' | 'beta'
export const BAND_NAMES: readonly BandName[] = ['delta', 'theta', 'alpha', 'beta']

export interface BandEdges {
  lowHz: number
  highHz: number
}

export type BandDefinitions = Record<BandName, BandEdges>

export const DEFAULT_BANDS: BandDefinitions = {
  delta: { lowHz: 1, highHz: 4 },
  theta: { lowHz: 4, highHz: 8 },
  alpha: { lowHz: 8, highHz: 13 },
  beta: { lowHz: 13, highHz: 30 }
}

/** Denominator of relative power (reference §1.4: band ÷ 1–30 Hz total). */
export const DEFAULT_TOTAL_BAND: BandEdges = { lowHz: 1, highHz: 30 }

export type BandPowers = Record<BandName, number>

export function bandPowers(psd: ArrayLike<number>, binHz: number, bands: BandDefinitions = DEFAULT_BANDS): BandPowers {
  return {
    delta: integrateBand(psd, binHz, bands.delta.lowHz, bands.delta.highHz),
    theta: integrateBand(psd, binHz, bands.theta.lowHz, bands.theta.highHz),
    alpha: integrateBand(psd, binHz, bands.alpha.lowHz, bands.alpha.highHz),
    beta: integrateBand(psd, binHz, bands.beta.lowHz, bands.beta.highHz)
  }
}

export function relativePowers(absolute: BandPowers, total: number): BandPowers {
  const d = total > 0 ? total : Number.NaN
  return { delta: absolute.delta / d, theta: absolute.theta / d, alpha: absolute.alpha / d, beta: absolute.beta / d }
}

export interface RatioIndices {
  /** (θ+α)/β: the largest rise with fatigue in Jap et al. 2009. */
  thetaAlphaOverBeta: number
  alphaOverBeta: number
  /** (θ+α)/(α+β) */
  thetaAlphaOverAlphaBeta: number
  thetaOverBeta: number
}

export const RATIO_NAMES: readonly (keyof RatioIndices)[] = ['thetaAlphaOverBeta', 'alphaOverBeta', 'thetaAlphaOverAlphaBeta', 'thetaOverBeta']

export function ratioIndices(p: BandPowers): RatioIndices {
  return {
    thetaAlphaOverBeta: (p.theta + p.alpha) / p.beta,
    alphaOverBeta: p.alpha / p.beta,
    thetaAlphaOverAlphaBeta: (p.theta + p.alpha) / (p.alpha + p.beta),
    thetaOverBeta: p.theta / p.beta
  }
}
