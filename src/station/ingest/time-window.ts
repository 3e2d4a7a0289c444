/**
 * The times a client may stamp its data with. Producers (browsers, scripts) stamp face, game, marker
 * and EEG data with their own clocks, so a timestamp is trusted only inside the session's window:
 * from its start to the station's present (or the session's end), widened by the clock tolerance
 * (`--clock-tolerance-s`) on both sides for producers whose clocks run a little off the station's.
 * Anything outside is refused before it reaches storage or the fatigue engine, whose updates follow
 * data time: one timestamp far in the future would otherwise move every later update past it.
 */
import { VigilError } from '../../shared/errors'

export interface TimeWindow {
  fromMs: number
  toMs: number
}

export interface SessionTimes {
  startedAt: string | null
  endedAt: string | null
  createdAt: string
}

/** The window of a session at `nowMs`: [start − tolerance, (end or now) + tolerance]. */
export function sessionTimeWindow(session: SessionTimes, nowMs: number, toleranceMs: number): TimeWindow {
  const startMs = Date.parse(session.startedAt ?? session.createdAt)
  const endMs = session.endedAt ? Math.min(Date.parse(session.endedAt), nowMs) : nowMs
  return { fromMs: startMs - toleranceMs, toMs: endMs + toleranceMs }
}

/**
 * Throws VALIDATION_FAILED naming the first timestamp outside the window; `nameOf(i)` names the i-th
 * (e.g. `events[2].tMs`). One pass over a plain array: EEG messages carry thousands of timestamps.
 */
export function checkInWindow(times: ArrayLike<number>, window: TimeWindow, nameOf: (index: number) => string): void {
  for (let i = 0; i < times.length; i++) {
    const tMs = times[i]
    if (tMs >= window.fromMs && tMs <= window.toMs) continue
    const side = tMs < window.fromMs ? 'before the session started' : "after the station's present time"
    throw new VigilError(
      'VALIDATION_FAILED',
      `${nameOf(i)} = ${tMs} lies ${side}: accepted are ${new Date(window.fromMs).toISOString()} to ${new Date(window.toMs).toISOString()} (UTC epoch ms; check the producer's clock)`,
      { field: nameOf(i), tMs, fromMs: window.fromMs, toMs: window.toMs }
    )
  }
}
