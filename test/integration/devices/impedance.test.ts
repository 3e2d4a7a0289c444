/**
 * The impedance check: an emulated Cyton (and Daisy) over a socat pty answers `z CH P N Z` with the
 * lead-off tone of its electrodes, and the driver turns that tone back into kΩ; the simulated
 * headset gives seeded values with one bad electrode by option.
 */
import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../src/station/clock'
import { loadConfig } from '../../../src/station/config'
import { createCytonDriver } from '../../../src/station/devices/cyton/cyton.driver'
import { createCytonEmulator, createThinkGearEmulator, EMULATED_ELECTRODE_KOHM } from '../../../src/station/devices/emulators/headset-emulators'
import { leadOffImpedanceOhm, leadOffToneAmplitudeUv, rateImpedance, toneAmplitudeUv } from '../../../src/station/devices/impedance/impedance'
import { SimulatedHeadsetDriver } from '../../../src/station/devices/simulated/simulated.driver'
import { createThinkGearDriver } from '../../../src/station/devices/thinkgear/thinkgear.driver'
import { waitUntil } from '../../helpers/wait'
import { closeRigsAfterEach, rig } from './serial-rig'

closeRigsAfterEach()

describe('impedance from the lead-off tone', () => {
  it('inverts the tone an electrode produces, ignoring EEG beside it', () => {
    const rate = 250
    for (const kohm of [2, 10, 47, 250]) {
      const amplitude = leadOffToneAmplitudeUv(kohm * 1000)
      const samples = Float32Array.from({ length: 500 }, (_, k) => amplitude * Math.sin((2 * Math.PI * 31.25 * k) / rate) + 40 * Math.sin((2 * Math.PI * 10 * k) / rate) + 15)
      expect(leadOffImpedanceOhm(samples, rate) / 1000).toBeCloseTo(kohm, 0)
    }
    expect(toneAmplitudeUv(new Float32Array(0), rate)).toBe(0)
    expect([rateImpedance(9.9), rateImpedance(10), rateImpedance(49), rateImpedance(50)]).toEqual(['good', 'acceptable', 'acceptable', 'bad'])
  })
})

describe('impedance check over a pty', () => {
  it('Cyton: every channel through `z CH 0 1 Z` and back off, values within 10 % of the electrodes', async () => {
    const { driver, emulator } = await rig(
      (pair) => createCytonEmulator({ pair }),
      (path) => createCytonDriver({ path, clock: systemClock })
    )
    const result = await driver.measureImpedance({ measureSamples: 248 })
    expect(result.method).toBe('lead-off')
    expect(result.electrodes.map((e) => e.label)).toEqual(driver.descriptor.channelNames)
    for (const e of result.electrodes) expect(e.impedanceKohm).toBeGreaterThan(EMULATED_ELECTRODE_KOHM[e.channel] * 0.9 - 0.5)
    for (const e of result.electrodes) expect(e.impedanceKohm).toBeLessThan(EMULATED_ELECTRODE_KOHM[e.channel] * 1.1 + 0.5)
    // Channel 5 sits at 38 kΩ: acceptable, so the check passes; the rest are good.
    expect(result.electrodes.map((e) => e.rating)).toEqual(['good', 'good', 'acceptable', 'good', 'acceptable', 'good', 'good', 'good'])
    expect(result.passed).toBe(true)
    // N pin only, each channel on then off, in order.
    await waitUntil(() => emulator.commands.endsWith('z800Z'), { what: 'the last lead-off off' })
    expect(emulator.commands.match(/z.{3}Z/g)).toEqual(['z101Z', 'z100Z', 'z201Z', 'z200Z', 'z301Z', 'z300Z', 'z401Z', 'z400Z', 'z501Z', 'z500Z', 'z601Z', 'z600Z', 'z701Z', 'z700Z', 'z801Z', 'z800Z'])
  })

  it('Cyton + Daisy: 16 channels (Daisy as Q-I), and an electrode off the skin fails the check', { timeout: 60_000 }, async () => {
    const { driver, emulator } = await rig(
      (pair) => createCytonEmulator({ pair, daisy: true }),
      (path) => createCytonDriver({ path, clock: systemClock, daisy: true })
    )
    const result = await driver.measureImpedance({ measureSamples: 100, settleSamples: 8 })
    expect(result.electrodes).toHaveLength(16)
    expect(result.electrodes.map((e) => e.rating === 'bad')).toEqual(EMULATED_ELECTRODE_KOHM.map((kohm) => kohm >= 50))
    expect(result.passed).toBe(false)
    expect(emulator.commands).toContain('zQ01Z')
    expect(emulator.commands).toContain('zI01Z')
  })

  it('Cyton: both pins on request (P then N per channel)', { timeout: 60_000 }, async () => {
    const { driver, emulator } = await rig(
      (pair) => createCytonEmulator({ pair }),
      (path) => createCytonDriver({ path, clock: systemClock })
    )
    const both = await driver.measureImpedance({ measureSamples: 120, settleSamples: 8, pins: 'both' })
    expect(both.electrodes.map((e) => `${e.channel}${e.pin}`)).toEqual(Array.from({ length: 8 }, (_, c) => [`${c}n`, `${c}p`]).flat())
    expect(emulator.commands).toContain('z110Z')
    expect(emulator.commands).toContain('z101Z')
  })

  it('ThinkGear cannot: a clear error, the stream untouched', async () => {
    const { driver } = await rig(
      (pair) => createThinkGearEmulator({ pair }),
      (path) => createThinkGearDriver({ path, clock: systemClock })
    )
    await expect(driver.measureImpedance()).rejects.toMatchObject({ code: 'DEVICE_IMPEDANCE_UNSUPPORTED' })
    expect(driver.state).toBe('streaming')
  })
})

describe('simulated impedance', () => {
  it('is seeded (the same twice) and has one bad electrode by option', async () => {
    const config = { ...loadConfig({ env: {} }).device.simulated, badElectrode: 2 }
    const driver = new SimulatedHeadsetDriver(config, systemClock)
    await driver.connect()
    try {
      const first = await driver.measureImpedance()
      const second = await driver.measureImpedance()
      expect(first.electrodes.map((e) => e.impedanceKohm)).toEqual(second.electrodes.map((e) => e.impedanceKohm))
      expect(first.electrodes.map((e) => e.rating)).toEqual(['good', 'good', 'bad', 'good', 'good', 'good', 'good', 'good'].slice(0, config.channelCount))
      expect(first.passed).toBe(false)
    } finally {
      await driver.disconnect()
    }
  })
})
