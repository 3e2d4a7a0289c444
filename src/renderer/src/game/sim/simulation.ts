/**
 * The drive: scenario clock, vehicle, road, wind, PVT stimuli, KSS probes and lane/collision events,
 * advanced one fixed step at a time. No wall clock, no randomness outside the seeded streams: the
 * events are a pure function of (scenario, inputs per step, commands between steps), which is what
 * makes a drive replayable from its input log.
 */
import type { Scenario, StimulusBlock } from '../../../../shared/schemas/scenario'
import type { DriveCommand, DriveInput, GameEvent } from '../../../../shared/game/events'
import { createPrng, forkSeed } from './prng'
import { createRoad, type Road } from './road'
import { createVehicleState, stepVehicle, steeringWheelDeg, type VehicleState } from './vehicle'
import { createWind } from './wind'

export const NEUTRAL_INPUT: DriveInput = { steer: 0, isAnalogSteer: false, throttle: 0, brake: 0, isButtonDown: false, kssKey: null }

export type DriveStatus = 'ready' | 'running' | 'paused' | 'ended'

export interface ActiveStimulus {
  id: number
  kind: StimulusBlock['stimulusKind']
  onsetMs: number
}

export interface DriveView {
  status: DriveStatus
  tMs: number
  durationMs: number
  vehicle: Readonly<VehicleState>
  steeringWheelDeg: number
  stimulus: ActiveStimulus | null
  kssPromptId: number | null
  /** Current wind acceleration, for the renderer's grass/flag animation. */
  windAccelMS2: number
}

export interface DriveSimulation {
  readonly scenario: Scenario
  readonly road: Road
  readonly stepMs: number
  /** Steps advanced so far (paused time does not count). */
  readonly stepIndex: number
  readonly status: DriveStatus
  /** Applies an operator command between steps; illegal transitions are ignored (return no events). */
  command(command: DriveCommand): GameEvent[]
  /** Advances one fixed step if running; returns the events of that step. */
  step(input: DriveInput): GameEvent[]
  view(): DriveView
}

/** Brake pedal position that counts as "braked" for stimulus responses. */
const BRAKE_RESPONSE_THRESHOLD = 0.5
/** Scenario time is stepIndex × stepMs in floating point; deadlines compare with this slack. */
const EPS_MS = 1e-6

export function createDriveSimulation(scenario: Scenario): DriveSimulation {
  const road = createRoad(scenario)
  const wind = createWind(scenario)
  const stepMs = 1000 / scenario.stepHz
  const dtS = 1 / scenario.stepHz
  const durationMs = scenario.durationS * 1000
  const stepsPerTelemetry = Math.max(1, Math.round(scenario.stepHz / scenario.telemetryHz))
  const halfVehicleM = scenario.vehicle.widthM / 2
  const halfLaneM = scenario.road.laneWidthM / 2
  // the participant drives the rightmost lane; other lanes lie to the left
  const rightRailM = halfLaneM + scenario.road.shoulderWidthM
  const leftRailM = -(halfLaneM + (scenario.road.laneCount - 1) * scenario.road.laneWidthM + scenario.road.shoulderWidthM)

  const vehicle = createVehicleState(scenario.vehicle.cruiseSpeedKmh / 3.6)
  let status: DriveStatus = 'ready'
  let stepIndex = 0
  let tMs = 0
  let windAccelMS2 = 0
  let wasButtonDown = false
  let wasBraking = false
  let departure: { side: 'left' | 'right'; sinceMs: number } | null = null
  let isTouchingRail = false

  // PVT: the k-th interval is the same for everyone; it counts from the end of the previous
  // stimulus (response or miss), as in the standard PVT, so a stimulus never overlaps the last one.
  const blocks = [...scenario.stimuli].sort((a, b) => a.startS - b.startS)
  const stimulusPrng = createPrng(forkSeed(scenario.seed, 'stimuli'))
  let blockIndex = 0
  let nextStimulusId = 1
  let active: (ActiveStimulus & { block: StimulusBlock }) | null = null
  const drawOnset = (fromMs: number): number | null => {
    while (blockIndex < blocks.length) {
      const block = blocks[blockIndex]
      const onsetMs = Math.max(fromMs, block.startS * 1000) + stimulusPrng.uniform(block.intervalS.min, block.intervalS.max) * 1000
      if (onsetMs < block.endS * 1000) return onsetMs
      blockIndex++
    }
    return null
  }
  let nextOnsetMs = drawOnset(0)

  const kss = scenario.kss
  let nextKssMs = kss.isEnabled ? kss.firstAtS * 1000 : Infinity
  let nextPromptId = 1
  let kssPrompt: { id: number; shownMs: number } | null = null


  const endStimulus = (events: GameEvent[], endMs: number, via: 'button' | 'brake' | null) => {
    if (!active) return
    if (via) {
      const simReactionTimeMs = endMs - active.onsetMs
      events.push({ kind: 'response', tMs: endMs, stimulusId: active.id, via, simReactionTimeMs, isLapse: simReactionTimeMs >= active.block.lapseThresholdMs })
    } else {
      events.push({ kind: 'stimulus_missed', tMs: endMs, stimulusId: active.id, responseWindowMs: active.block.responseWindowMs })
    }
    active = null
    nextOnsetMs = drawOnset(endMs)
  }

  const stateEvent = (): GameEvent => {
    const curvature = road.curvatureAt(vehicle.distanceM)
    return {
      kind: 'state',
      tMs,
      distanceM: vehicle.distanceM,
      laneOffsetM: vehicle.laneOffsetM,
      laneWidthM: scenario.road.laneWidthM,
      headingRad: vehicle.headingRad,
      speedMps: vehicle.speedMps,
      steeringWheelDeg: steeringWheelDeg(scenario.vehicle, vehicle.steer),
      roadCurvaturePerM: curvature,
      isStraight: curvature === 0
    }
  }

  const step = (input: DriveInput): GameEvent[] => {
    if (status !== 'running') return []
    const events: GameEvent[] = []
    const curvature = road.curvatureAt(vehicle.distanceM)
    windAccelMS2 = wind.accelAt(tMs)
    stepVehicle(vehicle, input, scenario.vehicle, curvature, windAccelMS2, dtS)
    stepIndex++
    tMs = stepIndex * stepMs

    // guardrails: contact pushes the car back into the carriageway and costs speed
    const rightEdge = vehicle.laneOffsetM + halfVehicleM
    const leftEdge = vehicle.laneOffsetM - halfVehicleM
    const railSide = rightEdge >= rightRailM ? 'right' : leftEdge <= leftRailM ? 'left' : null
    if (railSide && !isTouchingRail) {
      events.push({ kind: 'collision', tMs, object: 'guardrail', side: railSide, speedMps: vehicle.speedMps })
      vehicle.speedMps *= 0.6
    }
    isTouchingRail = railSide !== null
    if (railSide === 'right') {
      vehicle.laneOffsetM = rightRailM - halfVehicleM - 0.05
      vehicle.headingRad = Math.min(vehicle.headingRad, -0.01)
      vehicle.slipMps = 0
    } else if (railSide === 'left') {
      vehicle.laneOffsetM = leftRailM + halfVehicleM + 0.05
      vehicle.headingRad = Math.max(vehicle.headingRad, 0.01)
      vehicle.slipMps = 0
    }

    // lane departure: an edge of the vehicle over a lane marker (Anund et al. 2008)
    const outSide = vehicle.laneOffsetM + halfVehicleM > halfLaneM ? 'right' : vehicle.laneOffsetM - halfVehicleM < -halfLaneM ? 'left' : null
    if (departure && outSide !== departure.side) {
      events.push({ kind: 'lane_return', tMs, side: departure.side, durationMs: tMs - departure.sinceMs })
      departure = null
    }
    if (outSide && !departure) {
      departure = { side: outSide, sinceMs: tMs }
      events.push({ kind: 'lane_departure', tMs, side: outSide, laneOffsetM: vehicle.laneOffsetM })
    }

    // responses are edges, so a held button or pedal answers one stimulus only
    const isBraking = input.brake >= BRAKE_RESPONSE_THRESHOLD
    const via = input.isButtonDown && !wasButtonDown ? 'button' : isBraking && !wasBraking ? 'brake' : null
    wasButtonDown = input.isButtonDown
    wasBraking = isBraking
    if (via) {
      if (active) endStimulus(events, tMs, via)
      else events.push({ kind: 'false_start', tMs, via })
    }
    if (active && tMs - active.onsetMs >= active.block.responseWindowMs - EPS_MS) endStimulus(events, tMs, null)
    if (!active && nextOnsetMs !== null && tMs >= nextOnsetMs - EPS_MS) {
      const block = blocks[blockIndex]
      active = { id: nextStimulusId++, kind: block.stimulusKind, onsetMs: tMs, block }
      events.push({ kind: 'stimulus_shown', tMs, stimulusId: active.id, stimulusKind: block.stimulusKind })
    }

    if (kssPrompt && input.kssKey !== null && input.kssKey >= 1 && input.kssKey <= 9) {
      events.push({ kind: 'kss_answer', tMs, promptId: kssPrompt.id, value: input.kssKey, latencyMs: tMs - kssPrompt.shownMs })
      kssPrompt = null
    } else if (kssPrompt && tMs - kssPrompt.shownMs >= kss.timeoutS * 1000 - EPS_MS) {
      events.push({ kind: 'kss_timeout', tMs, promptId: kssPrompt.id, timeoutMs: kss.timeoutS * 1000 })
      kssPrompt = null
    }
    if (tMs >= nextKssMs - EPS_MS && tMs < durationMs - EPS_MS) {
      // a prompt still open when the next is due times out first (only possible with timeout ≥ interval)
      if (kssPrompt) events.push({ kind: 'kss_timeout', tMs, promptId: kssPrompt.id, timeoutMs: kss.timeoutS * 1000 })
      kssPrompt = { id: nextPromptId++, shownMs: tMs }
      events.push({ kind: 'kss_prompt', tMs, promptId: kssPrompt.id })
      nextKssMs += kss.intervalS * 1000
    }

    if (stepIndex % stepsPerTelemetry === 0) events.push(stateEvent())
    if (tMs >= durationMs - EPS_MS) finish(events, 'completed')
    return events
  }

  const finish = (events: GameEvent[], reason: 'completed' | 'operator') => {
    if (departure) events.push({ kind: 'lane_return', tMs, side: departure.side, durationMs: tMs - departure.sinceMs })
    departure = null
    if (active) endStimulus(events, tMs, null)
    if (kssPrompt) events.push({ kind: 'kss_timeout', tMs, promptId: kssPrompt.id, timeoutMs: kss.timeoutS * 1000 })
    kssPrompt = null
    status = 'ended'
    events.push({ kind: 'ended', tMs, reason })
  }

  const command = (cmd: DriveCommand): GameEvent[] => {
    const events: GameEvent[] = []
    if (cmd === 'start' && status === 'ready') {
      status = 'running'
      events.push({ kind: 'started', tMs, scenarioId: scenario.id, seed: scenario.seed }, stateEvent())
    } else if (cmd === 'pause' && status === 'running') {
      status = 'paused'
      events.push({ kind: 'paused', tMs })
    } else if (cmd === 'resume' && status === 'paused') {
      status = 'running'
      events.push({ kind: 'resumed', tMs })
    } else if (cmd === 'end' && (status === 'running' || status === 'paused')) {
      finish(events, 'operator')
    }
    return events
  }

  return {
    scenario,
    road,
    stepMs,
    get stepIndex() {
      return stepIndex
    },
    get status() {
      return status
    },
    command,
    step,
    view: () => ({
      status,
      tMs,
      durationMs,
      vehicle,
      steeringWheelDeg: steeringWheelDeg(scenario.vehicle, vehicle.steer),
      stimulus: active ? { id: active.id, kind: active.kind, onsetMs: active.onsetMs } : null,
      kssPromptId: kssPrompt?.id ?? null,
      windAccelMS2
    })
  }
}
