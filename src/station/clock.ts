/**
 * Time sources and timers, injected so tests control time. `monotonicMs` never jumps backwards (sample
 * timing is anchored to it); `wallMs` is UTC epoch time for stored timestamps. Code whose pace a test
 * must drive (the simulated headset, the port wait) arms its timers here rather than on the global ones.
 */
export interface ClockTimer {
  cancel(): void
}

export interface Clock {
  wallMs(): number
  monotonicMs(): number
  /** Never keeps the process alive. */
  setTimeout(fn: () => void, delayMs: number): ClockTimer
  /** Never keeps the process alive. */
  setInterval(fn: () => void, intervalMs: number): ClockTimer
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout(fn, delayMs) {
    const timer = setTimeout(fn, delayMs)
    timer.unref?.()
    return { cancel: () => clearTimeout(timer) }
  },
  setInterval(fn, intervalMs) {
    const timer = setInterval(fn, intervalMs)
    timer.unref?.()
    return { cancel: () => clearInterval(timer) }
  }
}
