/**
 * Starts a real station on a free loopback port with a throwaway data dir, for integration tests.
 * Pass a manual clock (`createManualClock`, test/helpers/clock.ts) to decide when the simulated
 * headset produces samples instead of waiting for them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock } from '../../src/station/clock'
import { loadConfig, type StationConfigInput } from '../../src/station/config'
import { createLogger } from '../../src/station/logger'
import { createStation, type Station } from '../../src/station/station'
import { injectFetch, type FetchLike } from './http'

export interface TestStation {
  station: Station
  baseUrl: string
  dataDir: string
  /** `fetch` through `app.inject`: for tests whose subject is a route, not the socket. */
  fetch: FetchLike
  close(): Promise<void>
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base }
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' ? merge(out[k] as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}

export function makeTempDir(prefix = 'vigil-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * Defaults: no headset (tests opt in), port 0, silent logs, no renderer, cheap bcrypt, room for
 * the many accounts a test file registers from one address (the registration limit has its own test),
 * and no consent gate (tests of recording, sync and export need no participant records; the gate has
 * its own tests, which pass `consent: { required: true }`).
 */
export async function startTestStation(overrides: StationConfigInput = {}, options: { clock?: Clock } = {}): Promise<TestStation> {
  const dataDir = makeTempDir()
  const base = merge(
    { dataDir, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'none' }, log: { level: 'silent' }, auth: { bcryptCost: 4, registrationsPerAddress: 1000 }, consent: { required: false } },
    overrides as Record<string, unknown>
  ) as StationConfigInput
  const config = loadConfig({ env: {}, base })
  const station = createStation(config, { logger: createLogger('silent'), clock: options.clock })
  await station.start()
  return {
    station,
    baseUrl: station.url,
    dataDir,
    fetch: injectFetch(station.server),
    async close() {
      await station.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
