/** Scripted participants for headless drives: deterministic functions of what the game shows. */
import { readdirSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import { scenarioSchema, type Scenario, type ScenarioInput } from '../../src/shared/schemas/scenario'
import type { DriveInput, GameEvent } from '../../src/shared/game/events'
import { NEUTRAL_INPUT, type DriveSimulation } from '../../src/renderer/src/game/sim'

export const scenariosDir = resolve(import.meta.dirname, '..', '..', 'resources', 'scenarios')

export function loadScenarioFiles(): { file: string; json: unknown }[] {
  return readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(scenariosDir, file), 'utf8')) as unknown }))
}

export function loadScenario(id: string): Scenario {
  return scenarioSchema.parse(JSON.parse(readFileSync(join(scenariosDir, `${id}.json`), 'utf8')))
}

/** A minimal valid scenario: straight road, no wind, nothing scheduled; override what a test needs. */
export function testScenario(overrides: Partial<ScenarioInput> = {}): Scenario {
  return scenarioSchema.parse({
    id: 'test',
    name: 'test',
    durationS: 120,
    seed: 7,
    road: { profile: { kind: 'segments', segments: [{ lengthM: 1000, curvaturePerM: 0 }] } },
    wind: { steadyAccelMS2: 0, gustAccelMS2: { min: 0, max: 0 } },
    kss: { isEnabled: false },
    ...overrides
  })
}

/**
 * A competent driver: feed-forward on road curvature plus PD on lane offset and heading, answering
 * stimuli after `reactionSteps` steps and KSS prompts with `kssValue` after `kssDelaySteps`.
 */
export function createLaneKeeper(sim: DriveSimulation, options: { reactionSteps?: number; kssValue?: number; kssDelaySteps?: number } = {}) {
  const reactionSteps = options.reactionSteps ?? 36
  const kssDelaySteps = options.kssDelaySteps ?? 240
  const v = sim.scenario.vehicle
  const maxRoadWheelRad = ((v.maxSteeringWheelDeg / v.steeringRatio) * Math.PI) / 180
  let stimulusSeenAt: number | null = null
  let kssSeenAt: number | null = null
  return (): DriveInput => {
    const view = sim.view()
    const curvature = sim.road.curvatureAt(view.vehicle.distanceM)
    const wantedRad = Math.atan(v.wheelbaseM * curvature) - 0.004 * view.vehicle.laneOffsetM - 0.12 * view.vehicle.headingRad
    const steer = Math.max(-1, Math.min(1, wantedRad / maxRoadWheelRad))
    let isButtonDown = false
    if (view.stimulus) {
      stimulusSeenAt ??= sim.stepIndex
      isButtonDown = sim.stepIndex - stimulusSeenAt >= reactionSteps
    } else stimulusSeenAt = null
    let kssKey: number | null = null
    if (view.kssPromptId !== null && options.kssValue !== undefined) {
      kssSeenAt ??= sim.stepIndex
      if (sim.stepIndex - kssSeenAt >= kssDelaySteps) kssKey = options.kssValue
    } else kssSeenAt = null
    return { ...NEUTRAL_INPUT, steer, isAnalogSteer: true, isButtonDown, kssKey }
  }
}

/** Runs until the drive ends or `maxSteps`; returns every event including the start. */
export function runDrive(sim: DriveSimulation, driver: () => DriveInput, maxSteps = Infinity): GameEvent[] {
  const events = sim.command('start')
  while (sim.status === 'running' && sim.stepIndex < maxSteps) events.push(...sim.step(driver()))
  return events
}

export function hashEvents(events: GameEvent[]): string {
  return createHash('sha256').update(JSON.stringify(events)).digest('hex')
}

export function ofKind<K extends GameEvent['kind']>(events: GameEvent[], kind: K): Extract<GameEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<GameEvent, { kind: K }> => e.kind === kind)
}
