/**
 * Which driver serves which `--device` kind. Serial drivers register here; the simulated headset is
 * the built-in default.
 */
import type { Clock } from '../clock'
import type { DeviceKind, StationConfig } from '../config'
import { VigilError } from '../../shared/errors'
import { SimulatedHeadsetDriver } from './simulated/simulated.driver'
import type { HeadsetDriver } from './types'

export interface DeviceSpec {
  kind: DeviceKind
  path?: string
  baudRate?: number
}

type DriverFactory = (spec: DeviceSpec, config: StationConfig['device'], clock: Clock) => HeadsetDriver

const factories: Partial<Record<DeviceKind, DriverFactory>> = {
  simulated: (_spec, config, clock) => new SimulatedHeadsetDriver(config.simulated, clock)
}

export function registerDriver(kind: DeviceKind, factory: DriverFactory): void {
  factories[kind] = factory
}

export function createDriver(spec: DeviceSpec, config: StationConfig['device'], clock: Clock): HeadsetDriver {
  const factory = factories[spec.kind]
  if (!factory) throw new VigilError('BAD_REQUEST', `No driver for device kind "${spec.kind}"`)
  return factory(spec, config, clock)
}
