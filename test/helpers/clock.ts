/**
 * A clock that moves only when the test says so. `advance` fires every due timer in time order, with
 * the clock set to each timer's due time, so code that reads the clock inside a timer sees what it
 * would see in real time.
 */
import type { Clock, ClockTimer } from '../../src/station/clock'

export interface ManualClock extends Clock {
  /** Moves both time sources forward by `ms`, firing the timers that fall due on the way. */
  advance(ms: number): void
  /** Timers armed and not yet cancelled or fired. */
  readonly pendingTimers: number
}

interface Timer {
  dueMs: number
  intervalMs: number | null
  fn: () => void
  order: number
}

export function createManualClock(startWallMs = Date.now()): ManualClock {
  let monoMs = 0
  let order = 0
  const timers = new Set<Timer>()

  function arm(fn: () => void, delayMs: number, intervalMs: number | null): ClockTimer {
    const timer: Timer = { dueMs: monoMs + Math.max(0, delayMs), intervalMs, fn, order: order++ }
    timers.add(timer)
    return { cancel: () => void timers.delete(timer) }
  }

  function nextDue(untilMs: number): Timer | undefined {
    let next: Timer | undefined
    for (const t of timers) if (t.dueMs <= untilMs && (!next || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.order < next.order))) next = t
    return next
  }

  return {
    wallMs: () => startWallMs + monoMs,
    monotonicMs: () => monoMs,
    setTimeout: (fn, delayMs) => arm(fn, delayMs, null),
    // A zero interval would fire forever within one advance.
    setInterval: (fn, intervalMs) => arm(fn, Math.max(1, intervalMs), Math.max(1, intervalMs)),
    get pendingTimers() {
      return timers.size
    },
    advance(ms) {
      const untilMs = monoMs + ms
      for (let t = nextDue(untilMs); t; t = nextDue(untilMs)) {
        monoMs = t.dueMs
        if (t.intervalMs === null) timers.delete(t)
        else {
          t.dueMs += t.intervalMs
          t.order = order++
        }
        t.fn()
      }
      monoMs = untilMs
    }
  }
}
