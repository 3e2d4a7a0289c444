/**
 * Headsets as they really behave (issue 20), each over a socat pty and the real serialport
 * bindings: a board switched off behind its dongle, a stalled event loop, phantom Cyton packets,
 * ThinkGear packet loss, a sketch printing text, and a path that is not a port.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/station/clock'
import { createCytonDriver } from '../../../src/station/devices/cyton/cyton.driver'
import { createCytonEmulator, createLinesEmulator, createThinkGearEmulator, emulatedCytonUv, emulatedLineUv, emulatedThinkGearUv } from '../../../src/station/devices/emulators/headset-emulators'
import { createLinesDriver } from '../../../src/station/devices/lines/lines.driver'
import { createThinkGearDriver } from '../../../src/station/devices/thinkgear/thinkgear.driver'
import { waitUntil } from '../../helpers/wait'
import { closeRigsAfterEach, expectValues, lastSeq, rig } from './serial-rig'

closeRigsAfterEach()

/** Blocks the event loop, as a long GC pause or a loaded machine does. */
function stallEventLoop(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

describe('headsets as they really behave (pty, real serialport)', () => {
  it('a board switched off behind its dongle is no_data, not streaming: one event, no reconnects, growing back-off', async () => {
    const { driver, emulator, rec, events } = await rig(
      (pair) => {
        const board = createCytonEmulator({ pair })
        board.powerOff()
        return board
      },
      (path) => createCytonDriver({ path, clock: systemClock, stallTimeoutMs: 300, noDataRetryInitialMs: 100, noDataRetryMaxMs: 800 })
    )
    expect(driver.state).toBe('no_data')
    expect(rec.states).toEqual(['connecting', 'no_data'])
    // The dongle takes the re-sent start commands; note when each arrives.
    const sentAt: number[] = []
    let seen = 1
    await waitUntil(
      () => {
        const starts = emulator.commands.match(/db/g)?.length ?? 0
        for (; seen < starts; seen++) sentAt.push(performance.now())
        return sentAt.length >= 5
      },
      { what: 'five re-sent start commands', timeoutMs: 15_000, intervalMs: 5 }
    )
    expect(driver.state).toBe('no_data')
    expect(events.filter((e) => e.kind === 'no_data')).toHaveLength(1)
    expect(events.some((e) => e.kind === 'reconnecting' || e.kind === 'reconnected')).toBe(false)
    expect(driver.stats().reconnects).toBe(0)
    expect(String(events.find((e) => e.kind === 'no_data')!.data.reason)).toMatch(/switched on/)
    // 200, 400, 800, 800 ms planned (on 250 ms watchdog ticks): the back-off grows, then holds.
    const waits = sentAt.slice(1).map((t, k) => t - sentAt[k])
    expect(waits[waits.length - 1]).toBeGreaterThan(waits[0] * 1.8)

    emulator.powerOn()
    await waitUntil(() => driver.state === 'streaming', { what: 'streaming after power-on', timeoutMs: 5000 })
    await waitUntil(() => rec.samples() >= 100, { what: 'samples after power-on' })
    expect(events.filter((e) => e.kind === 'data_resumed')).toHaveLength(1)
    expectValues(rec.blocks, emulatedCytonUv)
  })

  it('bytes that decode to nothing are no_data too, with a detail that says so (wrong headset kind or baud rate)', async () => {
    const { driver, rec, events } = await rig(
      // Text lines read by the ThinkGear driver: bytes arrive, no packet ever decodes.
      (pair) => createLinesEmulator({ pair, channels: 2 }),
      (path) => createThinkGearDriver({ path, clock: systemClock, stallTimeoutMs: 400 })
    )
    expect(driver.state).toBe('no_data')
    expect(rec.samples()).toBe(0)
    expect(String(events.find((e) => e.kind === 'no_data')!.data.reason)).toMatch(/bytes arrive but no thinkgear samples decode.*check the baud rate/)
  })

  it('a stalled event loop is not a lost port: the samples waiting in the port are read, none is lost', async () => {
    const { driver, rec, events } = await rig(
      (pair) => createCytonEmulator({ pair }),
      (path) => createCytonDriver({ path, clock: systemClock, stallTimeoutMs: 1000 })
    )
    await waitUntil(() => rec.samples() >= 250, { what: 'first second' })
    stallEventLoop(2500)
    const before = rec.samples()
    await waitUntil(() => rec.samples() >= before + 700, { what: 'the backlog and more' })
    expect(events.filter((e) => ['reconnecting', 'no_data', 'gap'].includes(e.kind))).toEqual([])
    expect(driver.stats().samplesDropped).toBe(0)
    expect(driver.state).toBe('streaming')
    expectValues(rec.blocks, emulatedCytonUv)
  })

  it('Cyton: garbage that lines up with 0xA0 … 0xC6 in the aux bytes never becomes a packet', async () => {
    // Aux bytes ending C6 A0 (accelerometer or marker data can): a 0xA0 two bytes before a packet
    // then frames a "packet" whose footer and next header both check out.
    const { driver, rec } = await rig(
      (pair) => createCytonEmulator({ pair, aux: [0, 0, 0, 0, 0xc6, 0xa0], injectBefore: (index) => (index % 40 === 20 ? Uint8Array.of(0x11, 0x22, 0xa0, 0x05) : null) }),
      (path) => createCytonDriver({ path, clock: systemClock })
    )
    await waitUntil(() => rec.samples() >= 600, { what: '600 samples' })
    // Every stored sample holds the emulator's value for its position: no phantom rows, no shift.
    expectValues(rec.blocks, emulatedCytonUv)
    const stats = driver.stats()
    expect(stats.samplesReceived + stats.samplesDropped).toBe(lastSeq(rec.blocks) + 1 - rec.blocks[0].firstSeq)
    // At most the packet before each injection and the one after it are lost (15 injections in 600).
    expect(stats.samplesDropped).toBeLessThan(stats.samplesReceived / 10)
  })

  it('ThinkGear: a rejected raw-wave packet is a one-sample gap, and one parse error', async () => {
    const { driver, rec, events } = await rig(
      // Corrupt raw packets only (the once-a-second metrics packet ends frame 511 of each second).
      (pair) => createThinkGearEmulator({ pair, corruptProbability: 0.02, isCorruptible: (index) => index % 512 !== 511, seed: 5 }),
      (path) => createThinkGearDriver({ path, clock: systemClock })
    )
    await waitUntil(() => rec.samples() >= 256, { what: 'first samples' })
    const start = driver.stats()
    await waitUntil(() => rec.samples() >= 1536, { what: '3 s of raw wave' })
    const end = driver.stats()
    // Every sample sits at its true position, so every lost one was counted as a gap.
    expectValues(rec.blocks, emulatedThinkGearUv)
    expect(end.samplesDropped).toBeGreaterThan(start.samplesDropped)
    expect(events.filter((e) => e.kind === 'gap').every((e) => (e.data.size as number) <= 3)).toBe(true)
    // One rejected packet, one parse error (it was counted twice).
    expect(end.parseErrors - start.parseErrors).toBe(end.samplesDropped - start.samplesDropped)
  })

  it('lines: a text line read first in a header-less stream is an event, not the new layout; the stream keeps storing', async () => {
    const { driver, rec, events } = await rig(
      (pair) => createLinesEmulator({ pair, channels: 3, isHeaderless: true, statusLine: { text: 'Battery low', everyLines: 150 } }),
      (path) => createLinesDriver({ path, clock: systemClock })
    )
    await waitUntil(() => rec.samples() >= 500, { what: '500 lines past three status lines', timeoutMs: 10_000 })
    expect(driver.descriptor.channelNames).toHaveLength(3)
    expect(rec.blocks.every((b) => b.channelCount === 3)).toBe(true)
    expect(driver.state).toBe('streaming')
    const layout = events.filter((e) => e.kind === 'layout')
    // One event per distinct header, not one per repeat.
    expect(layout).toHaveLength(1)
    expect(layout[0].data).toEqual({ applied: false, channels: ['Battery', 'low'] })
    expectValues(rec.blocks, emulatedLineUv)
  })

  it('lines: 0x10 is not 16 µV', async () => {
    const { driver, rec } = await rig(
      (pair) => createLinesEmulator({ pair, channels: 2, withCounter: false, isHeaderless: true, extraLine: (index) => (index % 50 === 25 ? '0x10,0x20' : null) }),
      (path) => createLinesDriver({ path, clock: systemClock })
    )
    await waitUntil(() => rec.samples() >= 300, { what: '300 lines' })
    // A hex line stored as a sample would shift every later value by one row.
    expectValues(rec.blocks, emulatedLineUv)
    expect(driver.stats().parseErrors).toBeGreaterThan(0)
  })

  it('a directory given as the port is refused at once, not waited for as a missing port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-not-a-port-'))
    try {
      const driver = createCytonDriver({ path: dir, clock: systemClock })
      await expect(driver.connect()).rejects.toMatchObject({ code: 'DEVICE_PROTOCOL_ERROR', message: expect.stringMatching(/directory/) })
      expect(driver.state).toBe('disconnected')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
