/**
 * Serial drivers against misbehaving emulated headsets over socat ptys and the real serialport
 * bindings: dropped frames, garbage, unplugging. Checks values against the emulator's known signal,
 * so a sequence number that is off by even one sample (a wrong gap size) fails.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/station/clock'
import { createCytonDriver } from '../../../src/station/devices/cyton/cyton.driver'
import {
  createCytonEmulator,
  createLinesEmulator,
  createThinkGearEmulator,
  emulatedCytonUv,
  emulatedLineUv
} from '../../../src/station/devices/emulators/headset-emulators'
import { openPtyPair, type PtyPair } from '../../../src/station/devices/emulators/pty-pair'
import type { SerialEmulator } from '../../../src/station/devices/emulators/serial-emulator'
import { createLinesDriver } from '../../../src/station/devices/lines/lines.driver'
import type { SerialHeadsetDriver } from '../../../src/station/devices/serial/serial.driver'
import { createThinkGearDriver } from '../../../src/station/devices/thinkgear/thinkgear.driver'
import type { DeviceEvent, SampleBlock } from '../../../src/station/devices/types'
import { waitUntil } from '../../helpers/wait'
import { recordDriver } from './driver-contract'

const open: Array<{ driver: SerialHeadsetDriver; emulator: SerialEmulator; pair: PtyPair }> = []

async function rig(makeEmulator: (pair: PtyPair) => SerialEmulator, makeDriver: (path: string) => SerialHeadsetDriver) {
  const pair = await openPtyPair()
  const emulator = makeEmulator(pair)
  await emulator.start()
  const driver = makeDriver(pair.hostPath)
  open.push({ driver, emulator, pair })
  const rec = recordDriver(driver)
  const events: DeviceEvent[] = []
  driver.on('event', (e) => events.push(e))
  await driver.connect()
  return { pair, emulator, driver, rec, events }
}

afterEach(async () => {
  for (const { driver, emulator, pair } of open.splice(0)) {
    await driver.disconnect()
    await emulator.stop()
    await pair.close()
  }
})

/** Asserts every sample equals the emulator's signal at (seq + offset); returns the offset. */
function expectValues(blocks: SampleBlock[], expected: (row: number, channel: number) => number): number {
  const first = blocks[0]
  const ch = first.channelCount
  const matches = (row: number, values: Float32Array) => Array.from(values).every((v, c) => Math.abs(v - expected(row, c)) < 1e-3 * Math.max(1, Math.abs(v)))
  let offset = -1
  for (let r = 0; r < 300 && offset < 0; r++) if (matches(r, first.samplesUv.subarray(0, ch))) offset = r - first.firstSeq
  expect(offset).toBeGreaterThanOrEqual(0)
  let checked = 0
  for (const block of blocks) {
    for (let k = 0; k < block.timestampsMs.length; k++) {
      const row = block.firstSeq + k + offset
      const values = block.samplesUv.subarray(k * ch, (k + 1) * ch)
      if (!matches(row, values)) throw new Error(`sample seq ${block.firstSeq + k} does not hold row ${row}: ${Array.from(values)} vs ${Array.from({ length: ch }, (_, c) => expected(row, c))}`)
      checked++
    }
  }
  expect(checked).toBeGreaterThan(0)
  return offset
}

function lastSeq(blocks: SampleBlock[]): number {
  const last = blocks[blocks.length - 1]
  return last.firstSeq + last.timestampsMs.length - 1
}

describe('serial drivers under faults (socat pty, real serialport)', () => {
  it('Cyton: sends "d" (channel defaults, gain 24) then "b", survives drops and garbage, and numbers every sample by its true position', async () => {
    const { driver, emulator, rec, events } = await rig(
      (pair) => createCytonEmulator({ pair, dropProbability: 0.03, garbageProbability: 0.2, seed: 7 }),
      (path) => createCytonDriver({ path, clock: systemClock })
    )
    await waitUntil(() => rec.samples() >= 600, { what: '600 samples' })
    expect(emulator.commands.startsWith('db')).toBe(true)
    expectValues(rec.blocks, emulatedCytonUv)
    const stats = driver.stats()
    expect(stats.gaps).toBeGreaterThan(0)
    expect(stats.parseErrors).toBeGreaterThan(0)
    // Every sequence number up to the last is either a received sample or counted as dropped.
    expect(stats.samplesReceived + stats.samplesDropped).toBe(lastSeq(rec.blocks) + 1 - rec.blocks[0].firstSeq)
    const gapEvents = events.filter((e) => e.kind === 'gap')
    expect(gapEvents.reduce((n, e) => n + (e.data.size as number), 0)).toBe(stats.samplesDropped)
    await driver.disconnect()
    await waitUntil(() => emulator.commands.endsWith('s'), { what: 'the stop command' })
  })

  it('Cyton: an unplug longer than a counter wrap reconnects, resumes the stream and records the exact gap', async () => {
    const { driver, emulator, rec, events } = await rig(
      (pair) => createCytonEmulator({ pair }),
      (path) => createCytonDriver({ path, clock: systemClock, reconnectInitialDelayMs: 100 })
    )
    await waitUntil(() => rec.samples() >= 250, { what: 'first second' })
    const states: string[] = []
    driver.on('state', (s) => states.push(s))
    await emulator.unplug(1300)
    await waitUntil(() => driver.state === 'streaming' && states.includes('reconnecting'), { what: 'reconnect' })
    const before = rec.samples()
    await waitUntil(() => rec.samples() >= before + 250, { what: 'a second after reconnecting' })
    expect(states).toEqual(['reconnecting', 'streaming'])
    expect(driver.stats().reconnects).toBe(1)
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['reconnecting', 'reconnected', 'gap']))
    const gap = events.find((e) => e.kind === 'gap')!
    // 1.3 s down at 250 Hz is more than one 256-sample wrap; values after the gap prove its size.
    expect(gap.data.size as number).toBeGreaterThan(300)
    expectValues(rec.blocks, emulatedCytonUv)
    // Channel defaults again before the stream restarts: the board may have been power-cycled meanwhile.
    expect(emulator.commands.match(/db/g)).toHaveLength(2)
  })

  it('Cyton: silence with the port still open trips the watchdog, which reopens the port and records the gap', async () => {
    const { driver, emulator, rec, events } = await rig(
      (pair) => createCytonEmulator({ pair }),
      (path) => createCytonDriver({ path, clock: systemClock, stallTimeoutMs: 400, reconnectInitialDelayMs: 100 })
    )
    await waitUntil(() => rec.samples() >= 250, { what: 'first second' })
    await emulator.pause(1500)
    const before = rec.samples()
    await waitUntil(() => rec.samples() >= before + 250, { what: 'a second after the dropout' })
    const reconnecting = events.find((e) => e.kind === 'reconnecting')
    expect(String(reconnecting?.data.reason)).toMatch(/no data/)
    expect(driver.stats().reconnects).toBeGreaterThanOrEqual(1)
    const gapSize = events.filter((e) => e.kind === 'gap').reduce((n, e) => n + (e.data.size as number), 0)
    expect(gapSize).toBeGreaterThan(300)
    expectValues(rec.blocks, emulatedCytonUv)
  })

  it('Cyton + Daisy: 16 channels at 125 Hz with the right values', async () => {
    const { rec } = await rig(
      (pair) => createCytonEmulator({ pair, daisy: true, dropProbability: 0.02, seed: 3 }),
      (path) => createCytonDriver({ path, clock: systemClock, daisy: true })
    )
    await waitUntil(() => rec.samples() >= 200, { what: '200 rows' })
    expect(rec.blocks[0].channelCount).toBe(16)
    expectValues(rec.blocks, emulatedCytonUv)
  })

  it('ThinkGear: raw wave, eSense and band powers; an unplug becomes a gap found from the clock', async () => {
    const { driver, emulator, rec, events } = await rig(
      (pair) => createThinkGearEmulator({ pair }),
      (path) => createThinkGearDriver({ path, clock: systemClock, reconnectInitialDelayMs: 100 })
    )
    await waitUntil(() => events.some((e) => e.kind === 'metrics' && e.data.name === 'band_powers'), { what: 'band powers' })
    const names = new Set(events.filter((e) => e.kind === 'metrics').map((e) => e.data.name))
    expect([...names]).toEqual(expect.arrayContaining(['poor_signal', 'attention', 'meditation', 'band_powers']))
    await waitUntil(() => rec.samples() >= 1024, { what: '2 s of raw wave' })
    await emulator.unplug(1500)
    await waitUntil(() => driver.stats().reconnects === 1, { what: 'reconnect' })
    await waitUntil(() => events.some((e) => e.kind === 'gap'), { what: 'gap event' })
    const gap = events.find((e) => e.kind === 'gap')!
    // No counter: the size comes from the clock, so allow the reconnect's timing slack.
    expect(gap.data.size as number).toBeGreaterThan(512)
    expect(gap.data.size as number).toBeLessThan(512 * 10)
  })

  it('lines: CSV with CRLF and a wrapping counter, through an unplug', async () => {
    const { driver, emulator, rec } = await rig(
      (pair) => createLinesEmulator({ pair, channels: 2, lineEnding: '\r\n' }),
      (path) => createLinesDriver({ path, clock: systemClock, reconnectInitialDelayMs: 100 })
    )
    await waitUntil(() => rec.samples() >= 400, { what: '400 lines' })
    expect(driver.descriptor.channelNames).toEqual(['ch1', 'ch2'])
    await emulator.unplug(1300)
    await waitUntil(() => driver.stats().reconnects === 1, { what: 'reconnect' })
    const before = rec.samples()
    await waitUntil(() => rec.samples() >= before + 250, { what: 'lines after reconnecting' })
    expect(driver.stats().gaps).toBeGreaterThan(0)
    expectValues(rec.blocks, emulatedLineUv)
  })

  it('lines: JSON lines with seq and a channels header', async () => {
    const { driver, rec } = await rig(
      (pair) => createLinesEmulator({ pair, channels: 3, format: 'json', lineEnding: '\n', dropProbability: 0.05, seed: 11 }),
      (path) => createLinesDriver({ path, clock: systemClock })
    )
    await waitUntil(() => rec.samples() >= 300, { what: '300 lines' })
    expect(driver.descriptor.channelNames).toEqual(['ch1', 'ch2', 'ch3'])
    expect(driver.stats().gaps).toBeGreaterThan(0)
    expectValues(rec.blocks.filter((b) => b.channelCount === 3), emulatedLineUv)
  })
})
