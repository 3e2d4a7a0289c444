/**
 * Vehicle dynamics in road coordinates (Frenet frame): a kinematic bicycle model plus a lateral slip
 * velocity that wind pushes and the tyres damp. Everything right-positive: lane offset, heading,
 * steering, road curvature. Integrated with semi-implicit Euler at the scenario's fixed step.
 */
import type { Scenario } from '../../../../shared/schemas/scenario'

export interface VehicleState {
  distanceM: number
  /** Vehicle centre to lane centre. */
  laneOffsetM: number
  /** Heading relative to the road tangent. */
  headingRad: number
  speedMps: number
  /** Sideways drift from wind, m/s; decays with TYRE_SLIP_TAU_S. */
  slipMps: number
  /** Steering position, -1 (full left) .. 1 (full right). */
  steer: number
}

export interface VehicleControls {
  /** Steering target, -1..1; digital inputs give -1/0/1 and are rate-limited here. */
  steer: number
  isAnalogSteer: boolean
  throttle: number
  brake: number
}

/** Tyres turn a wind push into a decaying sideways velocity instead of unbounded drift. */
const TYRE_SLIP_TAU_S = 1.2
const BRAKE_DECEL_MS2 = 8
const THROTTLE_ACCEL_MS2 = 2
/** Cruise control: first-order return to the set speed, bounded like a real engine. */
const CRUISE_TAU_S = 3
const CRUISE_MAX_ACCEL_MS2 = 1.5
const OVER_CRUISE_MAX_MPS = 30 / 3.6
/** Analog (gamepad) steering still passes a fast rate limit so a twitchy stick cannot jump the wheel. */
const ANALOG_STEER_RATE_PER_S = 6
/** Keyboard steering self-centres faster than it winds up, like a real wheel's caster. */
const CENTERING_GAIN = 2

export function createVehicleState(speedMps: number): VehicleState {
  return { distanceM: 0, laneOffsetM: 0, headingRad: 0, speedMps, slipMps: 0, steer: 0 }
}

export function steeringWheelDeg(vehicle: Scenario['vehicle'], steer: number): number {
  return steer * vehicle.maxSteeringWheelDeg
}

function approach(value: number, target: number, maxDelta: number): number {
  if (value < target) return Math.min(target, value + maxDelta)
  return Math.max(target, value - maxDelta)
}

/** Advances `state` in place by dtS. `roadCurvaturePerM` is taken at the current distance. */
export function stepVehicle(
  state: VehicleState,
  controls: VehicleControls,
  params: Scenario['vehicle'],
  roadCurvaturePerM: number,
  windAccelMS2: number,
  dtS: number
): void {
  const target = Math.max(-1, Math.min(1, controls.steer))
  const rate = controls.isAnalogSteer
    ? ANALOG_STEER_RATE_PER_S
    : target === 0
      ? params.steeringRatePerS * CENTERING_GAIN
      : params.steeringRatePerS
  state.steer = approach(state.steer, target, rate * dtS)

  const cruiseMps = params.cruiseSpeedKmh / 3.6
  let accel: number
  if (controls.brake > 0) accel = -controls.brake * BRAKE_DECEL_MS2
  else {
    accel = Math.max(-CRUISE_MAX_ACCEL_MS2, Math.min(CRUISE_MAX_ACCEL_MS2, (cruiseMps - state.speedMps) / CRUISE_TAU_S))
    accel += controls.throttle * THROTTLE_ACCEL_MS2
  }
  state.speedMps = Math.max(0, Math.min(cruiseMps + OVER_CRUISE_MAX_MPS, state.speedMps + accel * dtS))

  const roadWheelRad = ((state.steer * params.maxSteeringWheelDeg) / params.steeringRatio) * (Math.PI / 180)
  const v = state.speedMps
  state.slipMps += (windAccelMS2 - state.slipMps / TYRE_SLIP_TAU_S) * dtS
  // distance along the centre line grows faster on the inside of a bend
  const alongMps = (v * Math.cos(state.headingRad)) / (1 - roadCurvaturePerM * state.laneOffsetM)
  const yawRateRadS = (v * Math.tan(roadWheelRad)) / params.wheelbaseM - roadCurvaturePerM * alongMps
  state.headingRad += yawRateRadS * dtS
  state.laneOffsetM += (v * Math.sin(state.headingRad) + state.slipMps) * dtS
  state.distanceM += alongMps * dtS
}
