/**
 * The last line of defence for healthy clients. Per-connection budgets bound what each producer costs
 * where it can be measured (parsing, fan-out, inserting its rows), but some of its cost lands elsewhere:
 * garbage collection of its parsed frames, the fatigue engine's work on its samples. With several
 * heavy producers that adds up and every other client's ping waits. So the hub watches its own event
 * loop: when a probe fires more than `maxLoopLagMs` late, each connection that used more than
 * `loopFairShareMs` of handling time since the previous probe stops being read for `loopPauseMs`.
 * Light producers and viewers are never paused; heavy ones meet TCP backpressure; nothing is dropped.
 * Real time on purpose (not the injected clock): this measures the process, not the session.
 */
import type { HubConnection } from './connection'
import type { HubOptions } from './options'

type GuardOptions = Pick<HubOptions, 'loopProbeMs' | 'maxLoopLagMs' | 'loopFairShareMs' | 'loopPauseMs'>

const realTimers = {
  setTimeout(fn: () => void, delayMs: number) {
    const timer = setTimeout(fn, delayMs)
    timer.unref()
    return { cancel: () => clearTimeout(timer) }
  }
}

export interface LoopGuard {
  start(): void
  stop(): void
}

export function createLoopGuard(connections: Set<HubConnection>, options: GuardOptions): LoopGuard {
  let timer: NodeJS.Timeout | null = null
  let expectedAtMs = 0

  function probe(): void {
    const nowMs = performance.now()
    const lagMs = nowMs - expectedAtMs
    if (lagMs > options.maxLoopLagMs) {
      for (const conn of connections) if (conn.busyInWindowMs > options.loopFairShareMs) conn.pauseFor(options.loopPauseMs, realTimers)
    }
    for (const conn of connections) conn.busyInWindowMs = 0
    arm()
  }

  function arm(): void {
    expectedAtMs = performance.now() + options.loopProbeMs
    timer = setTimeout(probe, options.loopProbeMs)
    timer.unref()
  }

  return {
    start: arm,
    stop() {
      if (timer) clearTimeout(timer)
      timer = null
    }
  }
}
