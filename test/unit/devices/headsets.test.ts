import { describe, expect, it } from 'vitest'
import { HEADSET_KINDS, HEADSETS, SERIAL_HEADSET_KINDS, headsetOf, serialHeadsetDescriptor } from '../../../src/shared/headsets'
import { DEVICE_KINDS, loadConfig } from '../../../src/station/config'
import { CYTON_DEFAULT_GAIN, cytonFullScaleUv } from '../../../src/station/devices/cyton/cyton.parser'
import { createCytonProtocol } from '../../../src/station/devices/cyton/cyton.driver'
import { createLinesProtocol } from '../../../src/station/devices/lines/lines.driver'
import { SimulatedHeadsetDriver } from '../../../src/station/devices/simulated/simulated.driver'
import { THINKGEAR_RAW_UV_PER_COUNT } from '../../../src/station/devices/thinkgear/thinkgear.parser'
import { createThinkGearProtocol } from '../../../src/station/devices/thinkgear/thinkgear.driver'

describe('the headset table', () => {
  it('states the scales the parsers compute', () => {
    expect(HEADSETS.cyton.fullScaleUv).toBe(cytonFullScaleUv(CYTON_DEFAULT_GAIN))
    expect(HEADSETS['cyton-daisy'].fullScaleUv).toBe(cytonFullScaleUv(CYTON_DEFAULT_GAIN))
    expect(HEADSETS.cyton.gain).toBe(CYTON_DEFAULT_GAIN)
    expect(HEADSETS.thinkgear.fullScaleUv).toBe(2048 * THINKGEAR_RAW_UV_PER_COUNT)
  })

  it('is what every serial driver starts from', () => {
    const protocols = { cyton: createCytonProtocol(false), 'cyton-daisy': createCytonProtocol(true), thinkgear: createThinkGearProtocol(), lines: createLinesProtocol() }
    expect(Object.keys(protocols).sort()).toEqual([...SERIAL_HEADSET_KINDS].sort())
    for (const kind of SERIAL_HEADSET_KINDS) {
      const protocol = protocols[kind]
      expect(protocol.kind).toBe(kind)
      expect(protocol.defaultBaudRate).toBe(HEADSETS[kind].baudRate)
      expect(protocol.descriptor).toEqual(serialHeadsetDescriptor(kind))
      expect(protocol.descriptor).toMatchObject({ model: HEADSETS[kind].model, channelNames: HEADSETS[kind].channelNames, sampleRateHz: HEADSETS[kind].sampleRateHz, fullScaleUv: HEADSETS[kind].fullScaleUv })
    }
  })

  it('hands each driver its own copy of the channel names', () => {
    const a = serialHeadsetDescriptor('cyton')
    a.channelNames.push('X1')
    expect(serialHeadsetDescriptor('cyton').channelNames).toHaveLength(8)
    expect(HEADSETS.cyton.channelNames).toHaveLength(8)
  })

  it('describes the simulated headset with its default config', () => {
    const driver = new SimulatedHeadsetDriver(loadConfig({ env: {} }).device.simulated)
    expect(driver.descriptor).toMatchObject({
      kind: 'simulated',
      model: HEADSETS.simulated.model,
      channelNames: HEADSETS.simulated.channelNames,
      sampleRateHz: HEADSETS.simulated.sampleRateHz,
      fullScaleUv: HEADSETS.simulated.fullScaleUv
    })
  })

  it('gives config every kind plus none, in table order', () => {
    expect(DEVICE_KINDS).toEqual(['simulated', 'cyton', 'cyton-daisy', 'thinkgear', 'lines', 'lsl', 'none'])
    expect(HEADSET_KINDS).toEqual(DEVICE_KINDS.slice(0, -1))
  })

  it('knows nothing about kinds it has no row for', () => {
    expect(headsetOf('toString')).toBeNull()
    expect(headsetOf('none')).toBeNull()
    expect(headsetOf('lines')?.manufacturer).toBeNull()
  })
})
