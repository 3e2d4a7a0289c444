/**
 * Which driver serves which headset kind: one line per row of `shared/headsets.ts`, which the
 * compiler checks against the table.
 */
import type { Clock } from '../clock'
import type { DeviceKind, StationConfig } from '../config'
import { VigilError } from '../../shared/errors'
import { isHeadsetKind, type HeadsetKind } from '../../shared/headsets'
import { createCytonDriver } from './cyton/cyton.driver'
import { createLinesDriver } from './lines/lines.driver'
import { SimulatedHeadsetDriver } from './simulated/simulated.driver'
import { createThinkGearDriver } from './thinkgear/thinkgear.driver'
import type { HeadsetDriver } from './types'
import { createLslDriver } from '../lsl/lsl.driver'
import { lslNetworkOf } from '../lsl/lsl-network'

export interface DeviceSpec {
  kind: DeviceKind
  path?: string
  baudRate?: number
  /** LSL network settings for `lsl:` devices (the station passes its `lsl` config section). */
  lsl?: StationConfig['lsl']
}

type DriverFactory = (spec: DeviceSpec, config: StationConfig['device'], clock: Clock) => HeadsetDriver

const factories = {
  simulated: (_spec, config, clock) => new SimulatedHeadsetDriver(config.simulated, clock),
  cyton: (spec, _config, clock) => createCytonDriver({ path: spec.path, baudRate: spec.baudRate, clock }),
  'cyton-daisy': (spec, _config, clock) => createCytonDriver({ path: spec.path, baudRate: spec.baudRate, clock, daisy: true }),
  thinkgear: (spec, _config, clock) => createThinkGearDriver({ path: spec.path, baudRate: spec.baudRate, clock }),
  lines: (spec, _config, clock) => createLinesDriver({ path: spec.path, baudRate: spec.baudRate, clock }),
  lsl: (spec, _config, clock) => createLslDriver({ predicate: spec.path ?? '', network: lslNetworkOf(spec.lsl ?? DEFAULT_LSL_CONFIG), clock })
} satisfies Record<HeadsetKind, DriverFactory>

const DEFAULT_LSL_CONFIG: StationConfig['lsl'] = {
  enabled: false,
  resolveScope: 'site',
  knownPeers: [],
  sessionId: 'default',
  listenAddress: '0.0.0.0',
  multicastPort: 16571,
  basePort: 16572,
  portRange: 32
}

export function createDriver(spec: DeviceSpec, config: StationConfig['device'], clock: Clock): HeadsetDriver {
  if (!isHeadsetKind(spec.kind)) throw new VigilError('BAD_REQUEST', `No driver for device kind "${spec.kind}"`)
  return factories[spec.kind](spec, config, clock)
}
