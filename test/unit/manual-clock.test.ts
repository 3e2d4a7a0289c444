import { describe, expect, it } from 'vitest'
import { systemClock } from '../../src/station/clock'
import { createManualClock } from '../helpers/clock'
import { waitUntil } from '../helpers/wait'


const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
describe('manual test clock', () => {
  it('fires due timers in time order, each seeing its own due time, and nothing before it is due', () => {
    const clock = createManualClock(1_000_000)
    const seen: string[] = []
    clock.setInterval(() => seen.push(`every40@${clock.monotonicMs()}`), 40)
    clock.setTimeout(() => seen.push(`once@${clock.monotonicMs()}/${clock.wallMs()}`), 50)
    clock.advance(39)
    expect(seen).toEqual([])
    clock.advance(61)
    expect(seen).toEqual(['every40@40', 'once@50/1000050', 'every40@80'])
    expect(clock.monotonicMs()).toBe(100)
    expect(clock.pendingTimers).toBe(1)
  })

  it('forgets cancelled timers, also when a timer cancels another one due at the same advance', () => {
    const clock = createManualClock()
    const seen: string[] = []
    const later = clock.setTimeout(() => seen.push('later'), 20)
    clock.setTimeout(() => later.cancel(), 10)
    const tick = clock.setInterval(() => seen.push('tick'), 5)
    clock.advance(12)
    tick.cancel()
    clock.advance(100)
    expect(seen).toEqual(['tick', 'tick'])
    expect(clock.pendingTimers).toBe(0)
  })

  it('system clock: timers fire, cancel, and never keep the process alive', async () => {
    const before = timeouts()
    let fired = 0
    systemClock.setTimeout(() => fired++, 1)
    const tick = systemClock.setInterval(() => fired++, 60_000)
    const cancelled = systemClock.setTimeout(() => (fired += 100), 1)
    cancelled.cancel()
    expect(timeouts()).toBe(before)
    await waitUntil(() => fired === 1)
    tick.cancel()
    expect(fired).toBe(1)
  })
})
