import { describe, expect, it } from 'vitest'
import { driveWireEventSchema, gameEventSchema } from '../../../src/shared/game/events'
import { createDriveSimulation, createRecordedDrive } from '../../../src/renderer/src/game/sim'
import { createLaneKeeper, loadScenario, runDrive } from '../../helpers/game-drivers'

describe('event schemas', () => {
  it('accept every event a whole practice drive emits (the schema is the wire contract)', () => {
    const sim = createDriveSimulation(loadScenario('practice-5min'))
    const events = runDrive(sim, createLaneKeeper(sim, { kssValue: 5 }))
    const kinds = new Set(events.map((e) => e.kind))
    expect([...kinds].sort()).toEqual(['ended', 'kss_answer', 'kss_prompt', 'response', 'started', 'state', 'stimulus_shown'])
    for (const event of events) expect(gameEventSchema.safeParse(event).success).toBe(true)
  })

  it('accept an input-log chunk as the participant screen sends it, and reject a malformed command', () => {
    const { sim, log } = createRecordedDrive(loadScenario('pvt-10min'))
    runDrive(sim, createLaneKeeper(sim), 120 * 20)
    const chunk = { kind: 'drive_inputs', scenarioId: log.scenarioId, seed: log.seed, fromIndex: 0, entries: log.entries, endStep: log.endStep }
    expect(driveWireEventSchema.safeParse(JSON.parse(JSON.stringify(chunk))).success).toBe(true)
    expect(driveWireEventSchema.safeParse({ kind: 'drive_command', command: 'start' }).success).toBe(true)
    expect(driveWireEventSchema.safeParse({ kind: 'drive_command', command: 'reboot' }).success).toBe(false)
  })
})
