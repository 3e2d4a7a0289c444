/** Facts about each supported headset model, as data: channels, rate, scale, link speed. */
import type { DeviceKind } from '../config'
import { cytonFullScaleUv, CYTON_DEFAULT_GAIN } from './cyton/cyton.parser'
import { THINKGEAR_RAW_UV_PER_COUNT } from './thinkgear/thinkgear.parser'
import { STANDARD_CHANNEL_NAMES, type HeadsetDescriptor } from './types'

export type SerialDeviceKind = Extract<DeviceKind, 'cyton' | 'cyton-daisy' | 'thinkgear' | 'lines'>

export const SERIAL_DEVICE_KINDS: readonly SerialDeviceKind[] = ['cyton', 'cyton-daisy', 'thinkgear', 'lines']

export interface SerialModel {
  descriptor: HeadsetDescriptor
  baudRate: number
}

const MODELS: Record<SerialDeviceKind, SerialModel> = {
  cyton: {
    baudRate: 115_200,
    descriptor: {
      kind: 'cyton',
      model: 'OpenBCI Cyton (8 channels)',
      // OpenBCI's default 8-electrode montage; the real montage is whatever the lab wired.
      channelNames: STANDARD_CHANNEL_NAMES.slice(0, 8),
      sampleRateHz: 250,
      fullScaleUv: cytonFullScaleUv(CYTON_DEFAULT_GAIN),
      unit: 'uV',
      gain: CYTON_DEFAULT_GAIN
    }
  },
  'cyton-daisy': {
    baudRate: 115_200,
    descriptor: {
      kind: 'cyton-daisy',
      model: 'OpenBCI Cyton + Daisy (16 channels)',
      channelNames: STANDARD_CHANNEL_NAMES.slice(0, 16),
      // Packets alternate boards at 250/s, so each board contributes 125 rows/s.
      sampleRateHz: 125,
      fullScaleUv: cytonFullScaleUv(CYTON_DEFAULT_GAIN),
      unit: 'uV',
      gain: CYTON_DEFAULT_GAIN
    }
  },
  thinkgear: {
    baudRate: 57_600,
    descriptor: {
      kind: 'thinkgear',
      model: 'NeuroSky ThinkGear (MindWave / TGAM)',
      // The single dry electrode sits on the forehead, above the left eye.
      channelNames: ['Fp1'],
      sampleRateHz: 512,
      fullScaleUv: 2048 * THINKGEAR_RAW_UV_PER_COUNT,
      unit: 'uV'
    }
  },
  lines: {
    baudRate: 115_200,
    descriptor: {
      kind: 'lines',
      model: 'Line protocol (CSV / JSON lines)',
      // Unknown until the device sends a header or its first sample line.
      channelNames: [],
      sampleRateHz: 250,
      // 0 = unknown full scale: railed detection stays off unless the device declares it.
      fullScaleUv: 0,
      unit: 'uV'
    }
  }
}

export function isSerialDeviceKind(kind: string): kind is SerialDeviceKind {
  return (SERIAL_DEVICE_KINDS as readonly string[]).includes(kind)
}

/** A fresh copy of a model's descriptor (drivers may update channel names and port). */
export function serialModel(kind: SerialDeviceKind): SerialModel {
  const model = MODELS[kind]
  return { baudRate: model.baudRate, descriptor: { ...model.descriptor, channelNames: [...model.descriptor.channelNames] } }
}
