import { describe, expect, it } from 'vitest'
import { scenarioSchema } from '../../../src/shared/schemas/scenario'
import { loadScenarioFiles } from '../../helpers/game-drivers'

describe('shipped scenarios', () => {
  const files = loadScenarioFiles()

  it('ship the practice, 60-min monotonous and 10-min PVT drives', () => {
    const byId = new Map(files.map(({ json }) => {
      const s = scenarioSchema.parse(json)
      return [s.id, s]
    }))
    expect(byId.get('practice-5min')?.durationS).toBe(300)
    expect(byId.get('monotonous-60min')?.durationS).toBe(3600)
    const pvt = byId.get('pvt-10min')!
    expect(pvt.durationS).toBe(600)
    expect(pvt.stimuli[0]).toMatchObject({ startS: 0, endS: 600, intervalS: { min: 2, max: 10 }, lapseThresholdMs: 500 })
    expect(byId.get('monotonous-60min')?.kss).toMatchObject({ isEnabled: true, intervalS: 300 })
  })

  it.each(files.map((f) => [f.file, f.json] as const))('%s validates, and its id matches its file name', (file, json) => {
    const result = scenarioSchema.safeParse(json)
    expect(result.success ? [] : result.error.issues).toEqual([])
    expect(`${result.data!.id}.json`).toBe(file)
  })

  it('rejects a stimulus block that outlasts the drive and an inverted interval', () => {
    const base = files.find((f) => f.file === 'pvt-10min.json')!.json as Record<string, unknown>
    expect(scenarioSchema.safeParse({ ...base, durationS: 300 }).success).toBe(false)
    expect(scenarioSchema.safeParse({ ...base, stimuli: [{ startS: 0, endS: 60, stimulusKind: 'light', intervalS: { min: 10, max: 2 } }] }).success).toBe(false)
  })
})
