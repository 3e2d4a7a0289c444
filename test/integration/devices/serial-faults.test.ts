/**
 * Serial drivers against misbehaving emulated headsets over socat ptys and the real serialport
 * bindings: dropped frames, garbage, unplugging. Checks values against the emulator's known signal,
 * so a sequence number that is off by even one sample (a wrong gap size) fails.
 */
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/station/clock'
import { createCytonDriver } from '../../../src/station/devices/cyton/cyton.driver'
import {
  createCytonEmulator,
  createLinesEmulator,
  createThinkGearEmulator,
  emulatedCytonUv,
  emulatedLineUv
} from '../../../src/station/devices/emulators/headset-emulators'
import { createLinesDriver } from '../../../src/station/devices/lines/lines.driver'
import { createThinkGearDriver } from '../../../src/station/devices/thinkgear/thinkgear.driver'
import { waitUntil } from '../../helpers/wait'
import { closeRigsAfterEach, expectValues, expectValuesNear, lastSeq, rig } from './serial-rig'

closeRigsAfterEach()

/** How far a gap sized from the clock may be off: 100 ms of arrival jitter at 250 Hz (a counter-sized one after a restart is off by up to 128). */
const CLOCK_GAP_TOLERANCE_ROWS = 25

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

  it('Cyton: an unplug longer than a counter wrap reconnects; the firmware restarts its counter, so the gap comes from the clock', async () => {
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
    expect(gap.data.size as number).toBeGreaterThan(300)
    // The emulator, like the firmware, answered the second 'b' with counter 0: a gap sized from the
    // counter is off by up to ±128 samples; from the clock it is off by the arrival jitter only, which
    // on a loaded 2-core machine reaches tens of ms (a full-suite run once saw more than 6 rows).
    expect(emulator.startTimesMs).toHaveLength(2)
    expectValuesNear(rec.blocks, emulatedCytonUv, CLOCK_GAP_TOLERANCE_ROWS)
    // Channel defaults again before the stream restarts: the board may have been power-cycled meanwhile.
    expect(emulator.commands.match(/db/g)).toHaveLength(2)
  })

  it('Cyton: silence with the port still open is no_data (the port stays open), and the gap is recorded when data resumes', async () => {
    const { driver, emulator, rec, events } = await rig(
      (pair) => createCytonEmulator({ pair }),
      (path) => createCytonDriver({ path, clock: systemClock, stallTimeoutMs: 400, reconnectInitialDelayMs: 100, noDataRetryInitialMs: 300 })
    )
    await waitUntil(() => rec.samples() >= 250, { what: 'first second' })
    await emulator.pause(1500)
    const before = rec.samples()
    await waitUntil(() => rec.samples() >= before + 250, { what: 'a second after the dropout' })
    expect(events.filter((e) => e.kind === 'no_data')).toHaveLength(1)
    expect(String(events.find((e) => e.kind === 'no_data')?.data.reason)).toMatch(/no data/)
    expect(events.filter((e) => e.kind === 'data_resumed')).toHaveLength(1)
    expect(events.some((e) => e.kind === 'reconnecting')).toBe(false)
    expect(driver.stats().reconnects).toBe(0)
    expect(rec.states).toEqual(expect.arrayContaining(['no_data', 'streaming']))
    const gapSize = events.filter((e) => e.kind === 'gap').reduce((n, e) => n + (e.data.size as number), 0)
    expect(gapSize).toBeGreaterThan(300)
    expectValuesNear(rec.blocks, emulatedCytonUv, CLOCK_GAP_TOLERANCE_ROWS)
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
