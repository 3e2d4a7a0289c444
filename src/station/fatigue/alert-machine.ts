/**
 * One alert state machine per alert type (reference §4.4): a level is raised once its value has stayed
 * at or above the threshold for the hold time, cleared only after the value has stayed below the
 * threshold minus the hysteresis for the clear hold, never repeated at the same or a lower severity
 * within the refractory period (escalation to severe is always allowed), and silent during warm-up.
 * Time is the updates' data time.
 */
import type { AlertType } from '../../shared/schemas/fatigue'
import type { AlertRule } from './types'

export type AlertLevel = 'none' | 'warning' | 'severe'
const RANK: Record<AlertLevel, number> = { none: 0, warning: 1, severe: 2 }

export interface AlertMachine {
  readonly type: AlertType
  readonly level: AlertLevel
  /**
   * Feeds the value at update time `tMs` (null: unavailable or gated by quality). Returns the severity
   * to raise now, or null.
   */
  step(tMs: number, value: number | null): 'warning' | 'severe' | null
}

export function createAlertMachine(type: AlertType, rule: AlertRule, startMs: () => number, maxStepGapMs: number): AlertMachine {
  let level: AlertLevel = 'none'
  const since: Record<'warning' | 'severe', number | null> = { warning: null, severe: null }
  let belowSince: number | null = null
  const lastRaised: Record<'warning' | 'severe', number> = { warning: -Infinity, severe: -Infinity }
  let lastStepMs: number | null = null

  return {
    type,
    get level() {
      return level
    },
    step(tMs, value) {
      // A pause in the data breaks "held for": timers restart after it.
      if (lastStepMs !== null && tMs - lastStepMs > maxStepGapMs) {
        since.warning = since.severe = null
        belowSince = null
      }
      lastStepMs = tMs
      const v = value ?? -Infinity

      const stay: AlertLevel = v >= rule.severe - rule.hysteresis ? 'severe' : v >= rule.warning - rule.hysteresis ? 'warning' : 'none'
      if (RANK[stay] < RANK[level]) {
        belowSince ??= tMs
        if (tMs - belowSince >= rule.clearHoldMs) {
          level = stay
          belowSince = null
        }
      } else belowSince = null

      since.warning = v >= rule.warning ? (since.warning ?? tMs) : null
      since.severe = v >= rule.severe ? (since.severe ?? tMs) : null
      const held: AlertLevel =
        since.severe !== null && tMs - since.severe >= rule.severeHoldMs
          ? 'severe'
          : since.warning !== null && tMs - since.warning >= rule.warningHoldMs
            ? 'warning'
            : 'none'
      if (held === 'none' || RANK[held] <= RANK[level]) return null
      if (tMs < startMs() + rule.warmupMs) return null
      const lastSameOrHigher = held === 'severe' ? lastRaised.severe : Math.max(lastRaised.warning, lastRaised.severe)
      if (tMs - lastSameOrHigher < rule.refractoryMs) return null
      level = held
      lastRaised[held] = tMs
      belowSince = null
      return held
    }
  }
}
