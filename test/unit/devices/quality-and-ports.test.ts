import { describe, expect, it } from 'vitest'
import { createQualityMonitor } from '../../../src/station/devices/quality'
import { findReplacementPort, guessHeadset, pickPortFor, type DiscoveredPort } from '../../../src/station/devices/serial/port-discovery'

describe('channel quality', () => {
  it('rates railed, flat, noisy and good channels once per second of samples', () => {
    const rate = 250
    const monitor = createQualityMonitor(4, rate, 187_500)
    const samples = new Float32Array(rate * 4)
    for (let i = 0; i < rate; i++) {
      samples[i * 4] = -187_500
      samples[i * 4 + 1] = 1234.5
      samples[i * 4 + 2] = 5000 + (i % 2 === 0 ? 100 : -100)
      samples[i * 4 + 3] = 3000 + 20 * Math.sin((2 * Math.PI * 10 * i) / rate)
    }
    expect(monitor.push(samples.subarray(0, 400), 100)).toBeNull()
    expect(monitor.current).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
    expect(monitor.push(samples.subarray(400), rate - 100)).toEqual(['railed', 'flat', 'noisy', 'good'])
  })

  it('never calls a channel railed when the full scale is unknown (0)', () => {
    const monitor = createQualityMonitor(1, 10, 0)
    const verdict = monitor.push(Float32Array.from({ length: 10 }, (_, i) => 1e6 + i), 10)
    expect(verdict).toEqual(['good'])
  })
})

describe('headset guess from USB ids', () => {
  it('recognises the OpenBCI dongle, Arduino-class boards and Bluetooth serial links', () => {
    expect(guessHeadset({ path: '/dev/ttyUSB0', vendorId: '0403', productId: '6015' })).toMatchObject({ kind: 'cyton', confidence: 'high' })
    expect(guessHeadset({ path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001' })).toMatchObject({ kind: 'cyton', confidence: 'low' })
    expect(guessHeadset({ path: '/dev/ttyACM0', vendorId: '2341', productId: '0043' })).toMatchObject({ kind: 'lines' })
    expect(guessHeadset({ path: '/dev/rfcomm0' })).toMatchObject({ kind: 'thinkgear' })
    expect(guessHeadset({ path: '/dev/ttyS0' })).toBeNull()
  })

  it('picks the one matching port, preferring the OpenBCI dongle, for the Cyton and the Daisy alike', () => {
    const dongle = { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6015' }
    const ftdi = { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001' }
    const arduino = { path: '/dev/ttyACM0', vendorId: '2341', productId: '0043' }
    const mindwave = { path: '/dev/rfcomm0' }
    expect(pickPortFor([dongle, ftdi, arduino, mindwave], 'cyton')).toBe('/dev/ttyUSB0')
    expect(pickPortFor([dongle, ftdi, arduino, mindwave], 'cyton-daisy')).toBe('/dev/ttyUSB0')
    expect(pickPortFor([ftdi, { ...ftdi, path: '/dev/ttyUSB2' }], 'cyton')).toBeNull()
    expect(pickPortFor([dongle, ftdi, arduino, mindwave], 'lines')).toBe('/dev/ttyACM0')
    expect(pickPortFor([dongle, ftdi, arduino, mindwave], 'thinkgear')).toBe('/dev/rfcomm0')
    expect(pickPortFor([{ path: '/dev/bluetooth-ftdi', vendorId: '0403', productId: '6001' }], 'thinkgear')).toBeNull()
  })
})

const port = (path: string, vendorId: string | null, productId: string | null, serialNumber: string | null): DiscoveredPort => ({ path, manufacturer: null, serialNumber, vendorId, productId, guess: null })

describe('finding a replugged adapter', () => {
  it('follows the USB serial number to the new path, or the only adapter of the same model', () => {
    const ports = [port('/dev/ttyUSB1', '0403', '6015', 'DM00ABCD'), port('/dev/ttyUSB2', '0403', '6015', 'DM00XXXX'), port('/dev/ttyACM0', '2341', '0043', null)]
    expect(findReplacementPort(ports, { vendorId: '0403', productId: '6015', serialNumber: 'DM00ABCD' })).toBe('/dev/ttyUSB1')
    expect(findReplacementPort(ports, { vendorId: '0403', productId: '6015', serialNumber: 'GONE' })).toBeNull()
    expect(findReplacementPort(ports, { vendorId: '0403', productId: '6015', serialNumber: null })).toBeNull()
    expect(findReplacementPort(ports, { vendorId: '2341', productId: '0043', serialNumber: null })).toBe('/dev/ttyACM0')
  })
})
