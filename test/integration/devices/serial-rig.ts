/**
 * A serial driver against an emulated headset over a socat pty, and checks of the values it
 * delivers against the emulator's known signal (a wrong gap size shifts every later sample).
 */
import { afterEach, expect } from 'vitest'
import { openPtyPair, type PtyPair } from '../../../src/station/devices/emulators/pty-pair'
import type { SerialEmulator } from '../../../src/station/devices/emulators/serial-emulator'
import type { SerialHeadsetDriver } from '../../../src/station/devices/serial/serial.driver'
import type { DeviceEvent, SampleBlock } from '../../../src/station/devices/types'
import { recordDriver } from './driver-contract'

const open: Array<{ driver: SerialHeadsetDriver; emulator: SerialEmulator; pair: PtyPair }> = []

export async function rig(makeEmulator: (pair: PtyPair) => SerialEmulator, makeDriver: (path: string) => SerialHeadsetDriver) {
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

/** Call once per test file: closes every rig after each test. */
export function closeRigsAfterEach(): void {
  afterEach(async () => {
    for (const { driver, emulator, pair } of open.splice(0)) {
      await driver.disconnect()
      await emulator.stop()
      await pair.close()
    }
  })
}

/** Asserts every sample equals the emulator's signal at (seq + offset); returns the offset. */
export function expectValues(blocks: SampleBlock[], expected: (row: number, channel: number) => number): number {
  const first = blocks[0]
  const ch = first.channelCount
  const matches = (row: number, values: Float32Array) => Array.from(values).every((v, c) => Math.abs(v - expected(row, c)) < 1e-3 * Math.max(1, Math.abs(v)))
  // Several samples decide the offset: one value can recur within the signal's period.
  const probe = Math.min(8, first.timestampsMs.length)
  const fitsAt = (r: number) => Array.from({ length: probe }, (_, k) => k).every((k) => matches(r + k, first.samplesUv.subarray(k * ch, (k + 1) * ch)))
  let offset = -1
  for (let r = 0; r < 300 && offset < 0; r++) if (fitsAt(r)) offset = r - first.firstSeq
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

/**
 * Like expectValues, but after each gap the offset may move by up to `toleranceRows` (a gap sized
 * from the clock); returns the shift at each gap where it moved.
 */
export function expectValuesNear(blocks: SampleBlock[], expected: (row: number, channel: number) => number, toleranceRows: number): number[] {
  const ch = blocks[0].channelCount
  const matches = (row: number, values: Float32Array) => Array.from(values).every((v, c) => Math.abs(v - expected(row, c)) < 1e-3 * Math.max(1, Math.abs(v)))
  let offset = -1
  for (let r = 0; r < 300 && offset < 0; r++) if (matches(r, blocks[0].samplesUv.subarray(0, ch))) offset = r - blocks[0].firstSeq
  expect(offset).toBeGreaterThanOrEqual(0)
  const shifts: number[] = []
  let nextSeq = blocks[0].firstSeq
  for (const block of blocks) {
    if (block.firstSeq !== nextSeq) {
      const first = block.samplesUv.subarray(0, ch)
      let found: number | null = null
      for (let d = 0; d <= toleranceRows && found === null; d++) {
        for (const s of d === 0 ? [0] : [d, -d]) if (found === null && matches(block.firstSeq + offset + s, first)) found = s
      }
      if (found === null) throw new Error(`after the gap before seq ${block.firstSeq} the values are more than ${toleranceRows} rows off`)
      if (found !== 0) shifts.push(found)
      offset += found
    }
    for (let k = 0; k < block.timestampsMs.length; k++) {
      const row = block.firstSeq + k + offset
      const values = block.samplesUv.subarray(k * ch, (k + 1) * ch)
      if (!matches(row, values)) throw new Error(`sample seq ${block.firstSeq + k} does not hold row ${row}`)
    }
    nextSeq = block.firstSeq + block.timestampsMs.length
  }
  return shifts
}

export function lastSeq(blocks: SampleBlock[]): number {
  const last = blocks[blocks.length - 1]
  return last.firstSeq + last.timestampsMs.length - 1
}

