/**
 * Input logging and replay. A drive's events are a pure function of the scenario and what happened
 * at each step boundary, so the log stores only changes: the input whenever it differs from the
 * previous step's, and operator commands with the step index they were applied before.
 */
import type { Scenario } from '../../../../shared/schemas/scenario'
import type { DriveInput, GameEvent, InputLogEntry } from '../../../../shared/game/events'
import { createDriveSimulation, NEUTRAL_INPUT, type DriveSimulation } from './simulation'

export interface InputLog {
  scenarioId: string
  seed: number
  entries: InputLogEntry[]
  /** Steps the live drive advanced; a drive stopped without ending replays to here. */
  endStep: number
}

function sameInput(a: DriveInput, b: DriveInput): boolean {
  return a.steer === b.steer && a.isAnalogSteer === b.isAnalogSteer && a.throttle === b.throttle && a.brake === b.brake && a.isButtonDown === b.isButtonDown && a.kssKey === b.kssKey
}

/**
 * Wraps a simulation so every command and step input is logged as it is applied.
 * Use it instead of the bare simulation for live drives.
 */
export function createRecordedDrive(scenario: Scenario): { sim: DriveSimulation; log: InputLog } {
  const sim = createDriveSimulation(scenario)
  const log: InputLog = { scenarioId: scenario.id, seed: scenario.seed, entries: [], endStep: 0 }
  let last: DriveInput = NEUTRAL_INPUT
  const recorded: DriveSimulation = {
    scenario: sim.scenario,
    road: sim.road,
    stepMs: sim.stepMs,
    get stepIndex() {
      return sim.stepIndex
    },
    get status() {
      return sim.status
    },
    view: sim.view,
    command(command) {
      log.entries.push({ atStep: sim.stepIndex, command })
      return sim.command(command)
    },
    step(input) {
      if (sim.status === 'running' && !sameInput(input, last)) {
        log.entries.push({ atStep: sim.stepIndex, input: { ...input } })
        last = { ...input }
      }
      const events = sim.step(input)
      log.endStep = sim.stepIndex
      return events
    }
  }
  return { sim: recorded, log }
}

/** Re-runs a logged drive headless and returns every event it produced. */
export function replayDrive(scenario: Scenario, log: InputLog): GameEvent[] {
  if (log.scenarioId !== scenario.id || log.seed !== scenario.seed) throw new Error(`log is for ${log.scenarioId}/${log.seed}, not ${scenario.id}/${scenario.seed}`)
  const sim = createDriveSimulation(scenario)
  const events: GameEvent[] = []
  let input: DriveInput = NEUTRAL_INPUT
  let i = 0
  for (;;) {
    // every command and input change logged before this step is applied first, in order
    while (i < log.entries.length && log.entries[i].atStep === sim.stepIndex) {
      const entry = log.entries[i++]
      if ('command' in entry) events.push(...sim.command(entry.command))
      else input = entry.input
    }
    if (sim.stepIndex >= log.endStep || sim.status === 'ended') break
    if (sim.status !== 'running') throw new Error(`log continues at step ${sim.stepIndex} while the drive is ${sim.status}`)
    events.push(...sim.step(input))
  }
  return events
}
