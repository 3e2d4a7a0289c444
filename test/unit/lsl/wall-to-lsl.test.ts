import { describe, expect, it } from 'vitest'
import { createWallToLslMapper } from '../../../src/station/lsl/lsl-publisher'
import { createManualClock } from '../../helpers/clock'

describe('Vigil time -> LSL clock', () => {
  it('maps now to the LSL clock’s now and keeps sample spacing as the clocks advance', () => {
    const clock = createManualClock(1_700_000_000_000)
    let lsl = 5000 // the LSL clock runs with the monotonic clock, from its own epoch
    const startMono = clock.monotonicMs()
    const lslClock = (): number => 5000 + (clock.monotonicMs() - startMono) / 1000
    const toLsl = createWallToLslMapper(clock, lslClock)
    expect(toLsl(clock.wallMs())).toBeCloseTo(5000, 9)
    expect(toLsl(clock.wallMs() - 250)).toBeCloseTo(4999.75, 9)
    clock.advance(10_000)
    lsl = lslClock()
    expect(lsl).toBeCloseTo(5010, 9)
    expect(toLsl(clock.wallMs())).toBeCloseTo(5010, 9)
    expect(toLsl(clock.wallMs() - 4) - toLsl(clock.wallMs() - 8)).toBeCloseTo(0.004, 12)
  })
})
