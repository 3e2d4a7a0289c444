/**
 * Time sources, injected so tests control time. `monotonicMs` never jumps backwards (sample timing
 * is anchored to it); `wallMs` is UTC epoch time for stored timestamps.
 */
export interface Clock {
  wallMs(): number
  monotonicMs(): number
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now()
}
