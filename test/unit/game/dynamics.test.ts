import { describe, expect, it } from 'vitest'
import { createDriveSimulation, createVehicleState, stepVehicle, NEUTRAL_INPUT } from '../../../src/renderer/src/game/sim'
import { createLaneKeeper, ofKind, runDrive, testScenario } from '../../helpers/game-drivers'

const vehicleParams = testScenario().vehicle

describe('vehicle dynamics', () => {
  it('holds the lane centre exactly on a straight road with no input and no wind', () => {
    const sim = createDriveSimulation(testScenario({ durationS: 20 }))
    const events = runDrive(sim, () => NEUTRAL_INPUT)
    const states = ofKind(events, 'state')
    expect(states.length).toBeGreaterThan(500)
    expect(states.every((s) => s.laneOffsetM === 0 && s.headingRad === 0)).toBe(true)
    expect(states.at(-1)!.distanceM).toBeCloseTo((100 / 3.6) * 20, 0)
  })

  it('turns steady right steering into the kinematic bicycle arc: heading ∝ t, offset ∝ t²', () => {
    const state = createVehicleState(25)
    const steer = 0.1
    state.steer = steer
    const dtS = 1 / 120
    for (let i = 0; i < 240; i++) stepVehicle(state, { steer, isAnalogSteer: true, throttle: 0, brake: 0 }, { ...vehicleParams, cruiseSpeedKmh: 90 }, 0, 0, dtS)
    const roadWheelRad = ((steer * vehicleParams.maxSteeringWheelDeg) / vehicleParams.steeringRatio) * (Math.PI / 180)
    const yawRate = (25 * Math.tan(roadWheelRad)) / vehicleParams.wheelbaseM
    expect(state.headingRad).toBeCloseTo(yawRate * 2, 4)
    expect(state.laneOffsetM).toBeGreaterThan(0)
    expect(state.laneOffsetM / (0.5 * 25 * yawRate * 4)).toBeGreaterThan(0.97)
    expect(state.laneOffsetM / (0.5 * 25 * yawRate * 4)).toBeLessThan(1.03)
  })

  it('rate-limits keyboard steering and self-centres faster on release', () => {
    const state = createVehicleState(25)
    const dtS = 1 / 120
    for (let i = 0; i < 60; i++) stepVehicle(state, { steer: -1, isAnalogSteer: false, throttle: 0, brake: 0 }, vehicleParams, 0, 0, dtS)
    expect(state.steer).toBeCloseTo(-vehicleParams.steeringRatePerS * 0.5, 6)
    for (let i = 0; i < 15; i++) stepVehicle(state, { steer: 0, isAnalogSteer: false, throttle: 0, brake: 0 }, vehicleParams, 0, 0, dtS)
    expect(state.steer).toBeCloseTo(-0.25 * vehicleParams.steeringRatePerS, 6)
    for (let i = 0; i < 16; i++) stepVehicle(state, { steer: 0, isAnalogSteer: false, throttle: 0, brake: 0 }, vehicleParams, 0, 0, dtS)
    expect(state.steer).toBe(0)
    expect(state.laneOffsetM).toBeLessThan(0)
  })

  it('drifts with a steady crosswind when nobody steers, and toward the outside of an unsteered bend', () => {
    const windy = createDriveSimulation(testScenario({ durationS: 5, wind: { steadyAccelMS2: 0.3, gustAccelMS2: { min: 0, max: 0 } } }))
    runDrive(windy, () => NEUTRAL_INPUT)
    expect(windy.view().vehicle.laneOffsetM).toBeGreaterThan(0.5)

    const bend = createDriveSimulation(testScenario({ durationS: 3, road: { profile: { kind: 'segments', segments: [{ lengthM: 5000, curvaturePerM: 0.004 }] } } }))
    runDrive(bend, () => NEUTRAL_INPUT)
    expect(bend.view().vehicle.laneOffsetM).toBeLessThan(-0.5)
  })

  it('drifts under a gust with no input, in the gust direction, and settles once it passes', () => {
    const sim = createDriveSimulation(
      testScenario({ durationS: 30, wind: { steadyAccelMS2: 0, gustIntervalS: { min: 2, max: 3 }, gustDurationS: { min: 2, max: 2 }, gustAccelMS2: { min: 1, max: 1 } } })
    )
    const events = sim.command('start')
    const accels: number[] = []
    while (sim.status === 'running' && sim.stepIndex < 120 * 6) {
      events.push(...sim.step(NEUTRAL_INPUT))
      accels.push(sim.view().windAccelMS2)
    }
    const firstGustSign = Math.sign(accels.find((a) => a !== 0)!)
    expect(firstGustSign).not.toBe(0)
    const offsets = ofKind(events, 'state').map((s) => s.laneOffsetM)
    expect(offsets.some((y) => Math.sign(y) === firstGustSign && Math.abs(y) > 0.1)).toBe(true)
  })

  it('brakes below cruise speed and recovers it after release', () => {
    const sim = createDriveSimulation(testScenario({ durationS: 60 }))
    sim.command('start')
    for (let i = 0; i < 120; i++) sim.step({ ...NEUTRAL_INPUT, brake: 1 })
    const braked = sim.view().vehicle.speedMps
    expect(braked).toBeLessThan(100 / 3.6 - 7)
    for (let i = 0; i < 120 * 30; i++) sim.step(NEUTRAL_INPUT)
    expect(sim.view().vehicle.speedMps).toBeCloseTo(100 / 3.6, 0)
  })
})

describe('lane events', () => {
  it('reports a departure when the vehicle edge crosses the marker, a return with its duration, and a guardrail collision', () => {
    const sim = createDriveSimulation(testScenario({ durationS: 30 }))
    const events = sim.command('start')
    // steer right for a second, then hold straight until the rail
    for (let i = 0; i < 120; i++) events.push(...sim.step({ ...NEUTRAL_INPUT, steer: 0.3, isAnalogSteer: true }))
    for (let i = 0; i < 120 * 8; i++) events.push(...sim.step(NEUTRAL_INPUT))
    const departure = ofKind(events, 'lane_departure')[0]
    expect(departure.side).toBe('right')
    expect(departure.laneOffsetM + 0.9).toBeGreaterThan(1.75)
    const collision = ofKind(events, 'collision')[0]
    expect(collision).toMatchObject({ object: 'guardrail', side: 'right' })
    expect(collision.tMs).toBeGreaterThan(departure.tMs)

    // a lane keeper brings it back: the return closes the departure with its duration
    const keeper = createLaneKeeper(sim)
    for (let i = 0; i < 120 * 15; i++) events.push(...sim.step(keeper()))
    const ret = ofKind(events, 'lane_return')[0]
    expect(ret.side).toBe('right')
    expect(ret.durationMs).toBeCloseTo(ret.tMs - departure.tMs, 6)
  })

  it('keeps a competent driver inside the lane on a winding, gusty road', () => {
    const sim = createDriveSimulation(
      testScenario({
        durationS: 120,
        road: { profile: { kind: 'generated', straightFraction: 0.5, segmentLengthM: { min: 300, max: 800 }, maxCurvaturePerM: 0.003 } },
        wind: { steadyAccelMS2: 0.1, gustAccelMS2: { min: 0.3, max: 0.8 } }
      })
    )
    const events = runDrive(sim, createLaneKeeper(sim))
    expect(ofKind(events, 'lane_departure')).toHaveLength(0)
    expect(ofKind(events, 'ended')[0].reason).toBe('completed')
  })
})
