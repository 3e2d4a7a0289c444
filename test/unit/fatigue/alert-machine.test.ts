import { describe, expect, it } from 'vitest'
import { createAlertMachine } from '../../../src/station/fatigue/alert-machine'
import type { AlertRule } from '../../../src/station/fatigue/types'

const rule: AlertRule = {
  warning: 2,
  severe: 3,
  hysteresis: 0.5,
  warningHoldMs: 10_000,
  severeHoldMs: 5_000,
  clearHoldMs: 10_000,
  refractoryMs: 60_000,
  warmupMs: 20_000
}

/** Steps a machine once a second through `values` (index = second) and returns [second, severity] of each alert. */
function drive(values: (number | null)[], r: AlertRule = rule): { raised: [number, string][]; levels: string[] } {
  const machine = createAlertMachine('eeg_fatigue', r, () => 0, 2000)
  const raised: [number, string][] = []
  const levels: string[] = []
  values.forEach((v, s) => {
    const severity = machine.step(s * 1000, v)
    if (severity) raised.push([s, severity])
    levels.push(machine.level)
  })
  return { raised, levels }
}

const repeat = (value: number | null, seconds: number) => Array<number | null>(seconds).fill(value)

describe('alert state machine', () => {
  it('stays silent during warm-up, then raises once the value has been held', () => {
    const { raised } = drive([...repeat(2.5, 40)])
    // Held since 0 s, but warm-up lasts until 20 s.
    expect(raised).toEqual([[20, 'warning']])
  })

  it('needs the value held for the hold time: a short excursion raises nothing', () => {
    const { raised } = drive([...repeat(0, 25), ...repeat(2.5, 8), ...repeat(0, 5), ...repeat(2.5, 11), ...repeat(0, 5)])
    expect(raised).toEqual([[48, 'warning']])
  })

  it('escalates to severe at any time, even inside the refractory period of the warning', () => {
    const { raised } = drive([...repeat(0, 25), ...repeat(2.5, 12), ...repeat(3.5, 10)])
    expect(raised).toEqual([[35, 'warning'], [42, 'severe']])
  })

  it('clears only below threshold − hysteresis for the clear hold (hysteresis)', () => {
    // 1.8 is below the threshold but within the hysteresis band: the warning stays.
    const { levels } = drive([...repeat(0, 25), ...repeat(2.5, 11), ...repeat(1.8, 30), ...repeat(1.2, 12)])
    expect(levels[35]).toBe('warning')
    expect(levels[65]).toBe('warning')
    expect(levels[66 + 9]).toBe('warning')
    expect(levels[66 + 10]).toBe('none')
  })

  it('does not repeat the same severity within the refractory period, and repeats after it', () => {
    const { raised } = drive([...repeat(0, 25), ...repeat(2.5, 11), ...repeat(0, 11), ...repeat(2.5, 80)])
    // First at 35 s; cleared at 46 s; the value returns at 47 s and is held from 57 s, but the refractory
    // period runs until 95 s.
    expect(raised).toEqual([[35, 'warning'], [95, 'warning']])
  })

  it('treats unavailable data as not fatigued and restarts hold timers after a pause in the data', () => {
    const { raised } = drive([...repeat(0, 25), ...repeat(2.5, 5), null, ...repeat(2.5, 9)])
    expect(raised).toEqual([])
    const machine = createAlertMachine('eeg_fatigue', { ...rule, warmupMs: 0 }, () => 0, 2000)
    expect(machine.step(0, 2.5)).toBeNull()
    // 20 s later (a pause), the hold starts again.
    expect(machine.step(20_000, 2.5)).toBeNull()
    expect(machine.step(30_000, 2.5)).toBeNull()
  })
})
