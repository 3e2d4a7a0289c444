/**
 * The fatigue engine's own input types and tunable defaults. The station service and the replay
 * adapt stored/streamed face and game events into these (see adapters.ts), so the engine does not
 * depend on wire formats. Every time is UTC epoch ms taken from the data.
 */
import { DEFAULT_ARTEFACT_THRESHOLDS, type ArtefactThresholds } from '../signal/artefacts'
import { DEFAULT_BANDS, DEFAULT_TOTAL_BAND, type BandDefinitions, type BandEdges } from '../signal/band-power'
import { BLINK_MAX_MS, EPISODE_END_CLOSURE, EPISODE_START_CLOSURE, MICROSLEEP_CANDIDATE_MS } from '../../shared/eye-closure'
import type { AlertType } from '../../shared/schemas/fatigue'
import { deepMerge, type DeepPartial } from '../deep-merge'

/** Interleaved EEG samples, as `SampleBlock` carries them. */
export interface EegInput {
  channelCount: number
  timestampsMs: ArrayLike<number>
  samplesUv: ArrayLike<number>
}

/** One analysed camera frame. Eye values are raw EAR or 0..1 openness: both are normalised per subject. */
export interface FaceFrameInput {
  type: 'frame'
  tMs: number
  facePresent: boolean
  eyeLeft?: number
  eyeRight?: number
  /**
   * The eye values are the tracker's openness (1 open … 0 at its closed reference) rather than raw EAR:
   * then 0 is the closed reference and only the open one is learnt here.
   */
  isOpenness?: boolean
  /** Mouth opening (MAR): yawns are counted from it when present. */
  mouth?: number
  pitchDeg?: number
}

/** A yawn detected upstream; counted only when frames carry no mouth measure. */
export interface YawnInput {
  type: 'yawn'
  tMs: number
}

/**
 * The tracker's eyes-closed calibration: the subject's closed-eye EAR as a share of their open-eye EAR,
 * per eye. Without one the engine assumes FALLBACK_CLOSED_EYE_RATIO (src/shared/eye-closure.ts).
 */
export interface ClosedCalibrationInput {
  type: 'closed_calibration'
  tMs: number
  closedRatioLeft: number
  closedRatioRight: number
}

export type FaceInput = FaceFrameInput | YawnInput | ClosedCalibrationInput

export type GameInput =
  | { type: 'lane'; tMs: number; laneOffsetM: number; steeringDeg?: number; isStraight?: boolean }
  | { type: 'lane_departure'; tMs: number }
  | { type: 'response'; tMs: number; reactionTimeMs: number }
  /** A stimulus left unanswered: a lapse with no reaction time. */
  | { type: 'miss'; tMs: number }
  | { type: 'false_start'; tMs: number }
  | { type: 'kss'; tMs: number; value: number }

export interface EegOptions {
  channelNames: string[]
  sampleRateHz: number
  mainsHz: 50 | 60
  notchQ: number
  bandPass: { lowHz: number; highHz: number; order: number }
  segmentSec: number
  windowSec: number
  overlap: number
  bands: BandDefinitions
  totalBand: BandEdges
  artefacts: ArtefactThresholds
  /** Below this clean-segment share the EEG does not feed the score or alerts. */
  minCleanFraction: number
}

export interface AlertRule {
  warning: number
  severe: number
  /** A level clears only once the value falls below its threshold minus this. */
  hysteresis: number
  /** How long the value must stay at or above a threshold before the alert is raised. */
  warningHoldMs: number
  severeHoldMs: number
  /** How long the value must stay below the clear threshold before the level drops. */
  clearHoldMs: number
  /** No repeat of the same or a lower severity for this long after an alert (escalation is always allowed). */
  refractoryMs: number
  /** No alert this soon after the session's first data (baseline learning). */
  warmupMs: number
}

export interface FatigueEngineOptions {
  /** Updates are computed on multiples of this (epoch-aligned, so replay and live agree). */
  updateIntervalMs: number
  /** An update at T is computed once data up to T + holdbackMs has arrived, giving late face/game events time. */
  holdbackMs: number
  /** null: the engine ignores EEG (no headset). */
  eeg: EegOptions | null
  /** Length of the per-subject baselines (EEG ratios, face openness and pitch, SDLP). */
  baselineMs: number
  face: {
    baselineMs: number
    windowMs: number
    /** A frame stands for at most this long; longer gaps count as no data. */
    maxFrameGapMs: number
    p80Closure: number
    p70Closure: number
    /** Closure at which an eye-closure episode starts, and below which it ends. */
    episodeStartClosure: number
    episodeEndClosure: number
    /** Episodes shorter than this are blinks (BLINK_MAX_MS, shared with the tracker). */
    maxBlinkMs: number
    /** Episodes at least this long are long closures (microsleep candidates). */
    longClosureMs: number
    yawnMouth: number
    minYawnMs: number
    yawnWindowMs: number
    nodPitchDeg: number
    maxNodMs: number
  }
  driving: {
    windowMs: number
    srrGapDeg: number
    srrCutoffHz: number
    lapseMs: number
    falseStartMs: number
    pvtWindowMs: number
    kssValidMs: number
  }
  /** Fusion weights; only available components count, renormalised to their sum. */
  weights: Record<'eeg' | 'perclos' | 'eyeClosure' | 'sdlp' | 'laneDepartures' | 'reaction' | 'kss', number>
  /** Score thresholds (0..100) of the moderate and severe levels. */
  levels: { moderate: number; severe: number }
  alerts: Record<AlertType, AlertRule>
}

export const DEFAULT_EEG_OPTIONS: Omit<EegOptions, 'channelNames' | 'sampleRateHz'> = {
  mainsHz: 50,
  notchQ: 30,
  bandPass: { lowHz: 0.5, highHz: 45, order: 4 },
  segmentSec: 2,
  windowSec: 8,
  overlap: 0.5,
  bands: DEFAULT_BANDS,
  totalBand: DEFAULT_TOTAL_BAND,
  artefacts: DEFAULT_ARTEFACT_THRESHOLDS,
  minCleanFraction: 0.5
}

const MIN = 60_000

export const DEFAULT_ENGINE_OPTIONS: Omit<FatigueEngineOptions, 'eeg'> = {
  updateIntervalMs: 1000,
  holdbackMs: 1500,
  baselineMs: 3 * MIN,
  face: {
    baselineMs: MIN,
    windowMs: MIN,
    maxFrameGapMs: 500,
    p80Closure: 0.8,
    p70Closure: 0.7,
    episodeStartClosure: EPISODE_START_CLOSURE,
    episodeEndClosure: EPISODE_END_CLOSURE,
    maxBlinkMs: BLINK_MAX_MS,
    longClosureMs: MICROSLEEP_CANDIDATE_MS,
    yawnMouth: 0.5,
    minYawnMs: 1500,
    yawnWindowMs: 5 * MIN,
    nodPitchDeg: 15,
    maxNodMs: 2000
  },
  driving: {
    windowMs: MIN,
    srrGapDeg: 3,
    srrCutoffHz: 0.6,
    lapseMs: 500,
    falseStartMs: 100,
    pvtWindowMs: 10 * MIN,
    kssValidMs: 10 * MIN
  },
  weights: { eeg: 0.3, perclos: 0.25, eyeClosure: 0.1, sdlp: 0.15, laneDepartures: 0.05, reaction: 0.1, kss: 0.05 },
  levels: { moderate: 40, severe: 70 },
  alerts: {
    // z of log((θ+α)/β) in baseline SDs (reference §1.6: ≥ +2 SD for ≥ 60 s).
    eeg_fatigue: { warning: 2, severe: 3, hysteresis: 0.5, warningHoldMs: MIN, severeHoldMs: 30_000, clearHoldMs: MIN, refractoryMs: 5 * MIN, warmupMs: 5 * MIN },
    // P80 share (reference §2.1: ~10% at the first microsleep, 15% "significant").
    perclos: { warning: 0.1, severe: 0.15, hysteresis: 0.02, warningHoldMs: 30_000, severeHoldMs: 30_000, clearHoldMs: MIN, refractoryMs: 5 * MIN, warmupMs: 5 * MIN },
    // Ongoing closure in ms (reference §4.4: immediate critical at ≥ 1.5 s).
    microsleep: { warning: 1000, severe: 1500, hysteresis: 0, warningHoldMs: 0, severeHoldMs: 0, clearHoldMs: 0, refractoryMs: 30_000, warmupMs: 0 },
    // 1 = a departure in the last update interval, 2 = a departure together with a closure ≥ 1 s.
    lane_departure: { warning: 1, severe: 2, hysteresis: 0, warningHoldMs: 0, severeHoldMs: 0, clearHoldMs: 0, refractoryMs: MIN, warmupMs: 0 },
    // Slowest reaction time (ms) of the last update interval; a miss counts as severe.
    slow_reaction: { warning: 500, severe: 1000, hysteresis: 0, warningHoldMs: 0, severeHoldMs: 0, clearHoldMs: 0, refractoryMs: MIN, warmupMs: 0 },
    // Latest KSS answer (EU DDAW: may warn at 7, must warn at 8).
    kss_high: { warning: 7, severe: 8, hysteresis: 1, warningHoldMs: 0, severeHoldMs: 0, clearHoldMs: 0, refractoryMs: 5 * MIN, warmupMs: 0 }
  }
}

export type FatigueEngineOptionsInput = DeepPartial<Omit<FatigueEngineOptions, 'eeg'>> & {
  eeg?: (DeepPartial<Omit<EegOptions, 'channelNames' | 'sampleRateHz'>> & Pick<EegOptions, 'channelNames' | 'sampleRateHz'>) | null
}

export function resolveEngineOptions(input: FatigueEngineOptionsInput = {}): FatigueEngineOptions {
  const { eeg, ...rest } = input
  const base = deepMerge(DEFAULT_ENGINE_OPTIONS, rest)
  return { ...base, eeg: eeg ? deepMerge({ ...DEFAULT_EEG_OPTIONS, channelNames: [], sampleRateHz: 0 }, eeg) : null }
}
