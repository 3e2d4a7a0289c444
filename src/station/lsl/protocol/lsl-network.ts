/**
 * Network settings of the LSL module, mirroring the parts of liblsl's `lsl_api.cfg` that decide
 * whether two peers find each other: ports, resolve scope (which multicast/broadcast addresses
 * a query goes to), KnownPeers (unicast queries for networks that block multicast), SessionID.
 * Defaults equal liblsl's, so a stock pylsl/LabRecorder sees Vigil without any configuration.
 */
import { hostname } from 'node:os'

export const RESOLVE_SCOPES = ['machine', 'link', 'site', 'organization', 'global'] as const
export type ResolveScope = (typeof RESOLVE_SCOPES)[number]

export interface LslNetworkConfig {
  multicastPort: number
  basePort: number
  portRange: number
  allowRandomPorts: boolean
  resolveScope: ResolveScope
  /** Replaces the scope's address list (liblsl `AddressesOverride`). */
  addressesOverride: string[]
  /** Hosts queried by unicast on every port of the base range (liblsl `KnownPeers`). */
  knownPeers: string[]
  sessionId: string
  /** Address the outlet's TCP/UDP services bind to; loopback keeps a station private. */
  listenAddress: string
  hostname: string
}

export function defaultLslNetworkConfig(overrides: Partial<LslNetworkConfig> = {}): LslNetworkConfig {
  return {
    multicastPort: 16571,
    basePort: 16572,
    portRange: 32,
    allowRandomPorts: true,
    resolveScope: 'site',
    addressesOverride: [],
    knownPeers: [],
    sessionId: 'default',
    listenAddress: '0.0.0.0',
    hostname: hostname(),
    ...overrides
  }
}

const MACHINE = ['127.0.0.1']
const LINK = ['255.255.255.255', '224.0.0.1', '224.0.0.183']
const SITE = ['239.255.172.215']

/** The IPv4 destinations of a resolve query, as liblsl derives them from ResolveScope. */
export function queryAddresses(config: LslNetworkConfig): string[] {
  if (config.addressesOverride.length > 0) return [...config.addressesOverride]
  switch (config.resolveScope) {
    case 'machine':
      return [...MACHINE]
    case 'link':
      return [...MACHINE, ...LINK]
    default:
      // Organization and global scopes add IPv6 groups only, which this module does not speak.
      return [...MACHINE, ...LINK, ...SITE]
  }
}

export function multicastTtl(scope: ResolveScope): number {
  return { machine: 0, link: 1, site: 24, organization: 32, global: 255 }[scope]
}

export function isMulticast(address: string): boolean {
  const first = Number(address.split('.')[0])
  return first >= 224 && first <= 239
}

/**
 * liblsl's `local_clock()`: `std::chrono::steady_clock`, i.e. CLOCK_MONOTONIC on Linux, in
 * seconds. `process.hrtime` reads the same clock, so on one machine Vigil and liblsl stamps
 * are directly comparable.
 */
export function lslLocalClock(): number {
  return Number(process.hrtime.bigint()) / 1e9
}

export type LslClock = () => number

/** C++ `ostream << setprecision(16) << double` without showpoint (the time-probe reply format). */
export function formatG16(value: number): string {
  return String(Number(value.toPrecision(16)))
}
