/**
 * The fatigue engine: a pure, deterministic function of its input events. Time comes only from the
 * data: an update for time T (a multiple of `updateIntervalMs`) is computed from inputs stamped ≤ T
 * once an input stamped ≥ T + `holdbackMs` has arrived (or at `finish()`), so a live station and a
 * replay of the stored session produce the same updates and alerts. Updates are emitted only for
 * intervals that received data, so a paused session produces no empty rows.
 */
import { MAX_EPOCH_MS } from '../../shared/schemas/common'
import type { AlertType, FatigueMetrics } from '../../shared/schemas/fatigue'
import { ALERT_TYPES } from '../../shared/schemas/fatigue'
import { createAlertMachine, type AlertLevel, type AlertMachine } from './alert-machine'
import { createDrivingAnalyzer, type DrivingAnalysis } from './driving.analyzer'
import { createEegAnalyzer, type EegAnalyzer } from './eeg.analyzer'
import { createFaceAnalyzer, type FaceAnalysis } from './face.analyzer'
import { fuse, fusionComponents } from './fusion'
import { resolveEngineOptions, type EegInput, type FaceInput, type FatigueEngineOptions, type FatigueEngineOptionsInput, type GameInput } from './types'

/** An alert as the engine decides it; the station gives it an id and stores it. */
export interface EngineAlert {
  tMs: number
  type: AlertType
  severity: 'warning' | 'severe'
  /** Fusion score at the time, 0..100. */
  score: number | null
  /** The value that crossed the threshold, in the rule's unit. */
  value: number
  threshold: number
  message: string
}

export interface EngineOutput {
  updates: FatigueMetrics[]
  alerts: EngineAlert[]
}

export interface FatigueEngine {
  readonly options: FatigueEngineOptions
  pushEeg(block: EegInput): EngineOutput
  pushFace(input: FaceInput): EngineOutput
  pushGame(input: GameInput): EngineOutput
  /** Computes the remaining updates up to the last input (end of session or of a replay). */
  finish(): EngineOutput
}

const KSS_LABELS: Record<number, string> = {
  7: 'sleepy, but no effort to keep awake',
  8: 'sleepy, some effort to keep awake',
  9: 'very sleepy, fighting sleep'
}

function alertMessage(type: AlertType, value: number, severity: 'warning' | 'severe', context: { closureMs: number }): string {
  switch (type) {
    case 'eeg_fatigue':
      return `EEG fatigue index (θ+α)/β at ${value >= 0 ? '+' : ''}${value.toFixed(1)} SD above the subject's baseline`
    case 'perclos':
      return `PERCLOS ${(value * 100).toFixed(1)}%: eyes ≥ 80% closed for that share of the last minute`
    case 'microsleep':
      return `Eyes closed for ${(value / 1000).toFixed(1)} s (${severity === 'severe' ? 'microsleep' : 'long closure'})`
    case 'lane_departure':
      return value >= 2 ? `Lane departure during a ${(context.closureMs / 1000).toFixed(1)} s eye closure` : 'Lane departure'
    case 'slow_reaction':
      return Number.isFinite(value) ? `Reaction time ${Math.round(value)} ms (lapse)` : 'No response to a stimulus (lapse)'
    case 'kss_high':
      return `KSS ${value}: ${KSS_LABELS[value] ?? 'sleepy'}`
  }
}

/** Refuses a time the engine cannot step through exactly (callers bound client times long before this). */
function checkTime(tMs: number): void {
  if (!(Math.abs(tMs) <= MAX_EPOCH_MS)) throw new RangeError(`input time ${tMs} ms is not a time (finite, within ±${MAX_EPOCH_MS} ms)`)
}

function empty(): EngineOutput {
  return { updates: [], alerts: [] }
}

export function createFatigueEngine(input: FatigueEngineOptionsInput = {}): FatigueEngine {
  const options = resolveEngineOptions(input)
  const interval = options.updateIntervalMs
  const eeg: EegAnalyzer | null = options.eeg ? createEegAnalyzer(options.eeg, options.baselineMs, options.holdbackMs + interval) : null
  const face = createFaceAnalyzer(options.face)
  const driving = createDrivingAnalyzer(options.driving, options.baselineMs)
  let startMs: number | null = null
  let watermarkMs = -Infinity
  let lastEegMs = -Infinity
  let nextUpdateMs: number | null = null
  let anyComputed = false
  // Update times that received data (the update that first includes a timestamp t is ceil(t / interval)).
  const pending = new Set<number>()
  const machines = Object.fromEntries(
    ALERT_TYPES.map((type) => [type, createAlertMachine(type, options.alerts[type], () => startMs ?? 0, 2 * interval)])
  ) as Record<AlertType, AlertMachine>

  const bucketOf = (tMs: number) => Math.ceil(tMs / interval) * interval

  function noteData(tMs: number): void {
    if (startMs === null || tMs < startMs) startMs = tMs
    const bucket = bucketOf(tMs)
    // Until the first update is computed, earlier data that arrives late still moves the start back.
    if (nextUpdateMs === null || (!anyComputed && bucket < nextUpdateMs)) nextUpdateMs = bucket
    // Late input for an update already computed is still used by later windows.
    if (bucket >= nextUpdateMs) pending.add(bucket)
  }

  function compute(tMs: number, out: EngineOutput): void {
    anyComputed = true
    const sinceMs = tMs - interval
    const eegMetrics = eeg?.analyze(tMs) ?? null
    const faceResult: FaceAnalysis | null = face.analyze(tMs, sinceMs)
    const drivingResult: DrivingAnalysis | null = driving.analyze(tMs, sinceMs)
    const faceMetrics = faceResult?.metrics ?? null
    const drivingMetrics = drivingResult?.metrics ?? null
    const components = fusionComponents(eegMetrics, faceMetrics, drivingMetrics, options.eeg)
    const { score, level } = fuse(components, options)

    const closureMs = faceResult && faceMetrics?.baselineReady ? faceResult.recentClosureMs : null
    const values: Record<AlertType, number | null> = {
      eeg_fatigue: components.eeg !== null ? eegMetrics!.zThetaAlphaOverBeta : null,
      perclos: components.perclos !== null ? faceMetrics!.perclosP80 : null,
      microsleep: closureMs,
      lane_departure: drivingResult ? (drivingResult.recentDepartures > 0 ? ((closureMs ?? 0) >= options.face.longClosureMs ? 2 : 1) : 0) : null,
      slow_reaction: drivingResult ? (drivingResult.recentSlowestRtMs ?? 0) : null,
      kss_high: drivingMetrics?.kss ?? null
    }
    const alertStates = {} as Record<AlertType, AlertLevel>
    for (const type of ALERT_TYPES) {
      const value = values[type]
      const raised = machines[type].step(tMs, value)
      alertStates[type] = machines[type].level
      if (raised && value !== null) {
        out.alerts.push({
          tMs,
          type,
          severity: raised,
          score,
          value,
          threshold: options.alerts[type][raised],
          message: alertMessage(type, value, raised, { closureMs: closureMs ?? 0 })
        })
      }
    }
    out.updates.push({ tMs, score, level, components, eeg: eegMetrics, face: faceMetrics, driving: drivingMetrics, alertStates })
  }

  /**
   * Computes every pending update whose holdback has passed by `watermark` (or all of them up to it
   * when final). One step per update that received data, however far the watermark moved, so the work
   * is bounded by the input's size, never by the distance between its timestamps.
   */
  function advance(watermark: number, out: EngineOutput, final = false): void {
    if (watermark > watermarkMs) watermarkMs = watermark
    if (nextUpdateMs === null) return
    const limit = final ? bucketOf(watermarkMs) : watermarkMs - options.holdbackMs
    if (nextUpdateMs > limit) return
    const due = [...pending].filter((t) => t <= limit).sort((a, b) => a - b)
    for (const t of due) {
      pending.delete(t)
      compute(t, out)
    }
    // The first update time past the limit; quiet stretches in between get no rows.
    nextUpdateMs = Math.floor(limit / interval) * interval + interval
  }

  return {
    options,
    pushEeg(block) {
      const out = empty()
      const n = block.timestampsMs.length
      if (!eeg || n === 0) return out
      // Checked before any state changes, so a refused block leaves the engine as it was.
      if (block.channelCount !== options.eeg!.channelNames.length) {
        throw new RangeError(`EEG block has ${block.channelCount} channels, the engine was set up for ${options.eeg!.channelNames.length}`)
      }
      for (let i = 0; i < n; i++) checkTime(block.timestampsMs[i])
      // Samples at or before the last one fed are resends (a producer reconnecting): the store ignores them too.
      let from = 0
      while (from < n && block.timestampsMs[from] <= lastEegMs) from++
      while (from < n) {
        noteData(block.timestampsMs[from])
        // Feed the samples up to the next update's holdback boundary, compute it, then go on.
        const boundary = nextUpdateMs! + options.holdbackMs
        let to = from
        while (to < n && block.timestampsMs[to] < boundary) to++
        if (to > from) {
          // Mark every update interval the samples fall in, independent of how blocks were cut.
          let bucket = bucketOf(block.timestampsMs[from])
          for (let i = from + 1; i < to; i++) {
            if (block.timestampsMs[i] > bucket) {
              noteData(block.timestampsMs[i])
              bucket = bucketOf(block.timestampsMs[i])
            }
          }
          eeg.push(block, from, to)
          lastEegMs = block.timestampsMs[to - 1]
          advance(block.timestampsMs[to - 1], out)
          from = to
        } else advance(block.timestampsMs[from], out)
      }
      return out
    },
    pushFace(faceInput) {
      checkTime(faceInput.tMs)
      const out = empty()
      advance(faceInput.tMs, out)
      noteData(faceInput.tMs)
      face.push(faceInput)
      return out
    },
    pushGame(gameInput) {
      checkTime(gameInput.tMs)
      const out = empty()
      advance(gameInput.tMs, out)
      noteData(gameInput.tMs)
      driving.push(gameInput)
      return out
    },
    finish() {
      const out = empty()
      advance(watermarkMs, out, true)
      return out
    }
  }
}
