/**
 * Fusion: each modality is mapped to 0 (alert) .. 1 (drowsy) with documented anchors, then combined
 * with fixed weights over the components that are available (renormalised), so EEG alone still gives
 * a score. No usable component → score null ("unknown", never "alert").
 */
import type { DrivingMetrics, EegMetrics, FaceMetrics, FatigueLevel, FusionComponents } from '../../shared/schemas/fatigue'
import type { EegOptions, FatigueEngineOptions } from './types'

const clamp01 = (v: number) => Math.min(1, Math.max(0, v))

/** Anchors of the component mappings (docs/fatigue.md §Fusion). */
export const FUSION_ANCHORS = {
  /** z of log((θ+α)/β): 0 SD → 0, +3 SD → 1. */
  eegZAtOne: 3,
  /** P80: 5% (typical alert) → 0, 15% ("significant drowsiness") → 1. */
  perclosAtZero: 0.05,
  perclosAtOne: 0.15,
  /** Long closures (≥ 1 s) in the 60-s window: 2 → 1. */
  longClosuresAtOne: 2,
  /** ΔSDLP vs baseline: 0 → 0, +6 cm (2.5× the BAC 0.05% effect of 2.4 cm) → 1. */
  sdlpDeltaAtOneM: 0.06,
  /** Lane departures per minute: 2 → 1. */
  departuresAtOne: 2,
  /** PVT lapse share: 30% → 1. */
  lapseShareAtOne: 0.3,
  /** KSS 3 (alert) → 0, 9 → 1. */
  kssAtZero: 3,
  kssAtOne: 9,
  /** Face must be visible this share of the window for face components to count. */
  minFacePresent: 0.5
} as const

export function fusionComponents(
  eeg: EegMetrics | null,
  face: FaceMetrics | null,
  driving: DrivingMetrics | null,
  eegOptions: EegOptions | null
): FusionComponents {
  const a = FUSION_ANCHORS
  const eegUsable = eeg && eegOptions && eeg.cleanFraction >= eegOptions.minCleanFraction && eeg.zThetaAlphaOverBeta !== null
  const faceUsable = face && face.baselineReady && face.facePresentFraction >= a.minFacePresent
  const pvt = driving?.pvt
  const pvtTrials = pvt ? pvt.responses + pvt.misses : 0
  return {
    eeg: eegUsable ? clamp01(eeg.zThetaAlphaOverBeta! / a.eegZAtOne) : null,
    perclos: faceUsable && face.perclosP80 !== null ? clamp01((face.perclosP80 - a.perclosAtZero) / (a.perclosAtOne - a.perclosAtZero)) : null,
    eyeClosure: faceUsable ? clamp01(face.longClosures / a.longClosuresAtOne) : null,
    sdlp: driving?.sdlpDeltaM != null ? clamp01(driving.sdlpDeltaM / a.sdlpDeltaAtOneM) : null,
    laneDepartures: driving?.laneDeparturesPerMin != null ? clamp01(driving.laneDeparturesPerMin / a.departuresAtOne) : null,
    reaction: pvt && pvtTrials > 0 ? clamp01(pvt.lapses / pvtTrials / a.lapseShareAtOne) : null,
    kss: driving?.kss != null ? clamp01((driving.kss - a.kssAtZero) / (a.kssAtOne - a.kssAtZero)) : null
  }
}

export function fuse(components: FusionComponents, options: FatigueEngineOptions): { score: number | null; level: FatigueLevel | null } {
  let weighted = 0
  let weights = 0
  for (const [name, value] of Object.entries(components) as [keyof FusionComponents, number | null][]) {
    if (value === null) continue
    weighted += options.weights[name] * value
    weights += options.weights[name]
  }
  if (weights === 0) return { score: null, level: null }
  const score = Math.round((1000 * weighted) / weights) / 10
  const level: FatigueLevel = score >= options.levels.severe ? 'severe' : score >= options.levels.moderate ? 'moderate' : 'alert'
  return { score, level }
}
