/**
 * Every headset kind the station can read, as one table: what config, the devices API and page, port
 * discovery, the BIDS writer, the emulators and the CLI know about a kind. Adding a headset is a
 * parser, a driver (one line in `station/devices/registry.ts`) and one row here; a row missing a field
 * does not compile. Pure data, no Node imports: the renderer reads it too.
 */

/** 10-20 system labels, in the order simulated and generic devices use them. */
export const STANDARD_CHANNEL_NAMES = [
  'Fp1', 'Fp2', 'C3', 'C4', 'P7', 'P8', 'O1', 'O2',
  'F7', 'F8', 'F3', 'F4', 'T7', 'T8', 'P3', 'P4',
  'Fz', 'Cz', 'Pz', 'Oz', 'FC1', 'FC2', 'CP1', 'CP2',
  'FC5', 'FC6', 'CP5', 'CP6', 'AF3', 'AF4', 'PO3', 'PO4'
] as const

/** USB ids that suggest a kind. They name the adapter, which is not always the headset behind it. */
export interface UsbMatch {
  /** Lower-case hex. */
  vendorId: string
  /** Lower-case hex; null matches any product of the vendor. */
  productId: string | null
  adapter: string
  confidence: 'high' | 'low'
}

/** A Bluetooth serial link, recognised by its path or its manufacturer string (no USB ids to go by). */
export interface BluetoothMatch {
  pathPattern: RegExp
  manufacturerPattern: RegExp
  adapter: string
}

export interface HeadsetModel {
  /** What the Devices page offers. */
  label: string
  /** BIDS `Manufacturer`; null when it depends on who built the board. */
  manufacturer: string | null
  /** The `model` of the driver's descriptor. */
  model: string
  /** BIDS `ManufacturersModelName` for sessions that stored no model; null falls back to the kind. */
  shortModel: string | null
  channelNames: readonly string[]
  sampleRateHz: number
  /** ± input range in µV, for railed-channel detection; 0 = unknown. */
  fullScaleUv: number
  /** Amplifier gain the µV scale assumes; null when the headset has none to set. */
  gain: number | null
  /**
   * `built-in` runs inside the station; `serial` reads a (USB or Bluetooth) serial port; `lsl` is
   * a Lab Streaming Layer stream found by an XPath predicate (docs/lsl.md).
   */
  transport: 'built-in' | 'serial' | 'lsl'
  baudRate: number | null
  /** Tried in table order; the first match across all rows is the port's guess. */
  usb: readonly UsbMatch[]
  /** Only consulted when no USB ids matched. */
  bluetooth: BluetoothMatch | null
  /** Whether `devices/emulators/headset-emulators.ts` can play this kind on a pty. */
  emulator: boolean
}

// OpenBCI's dongle is an FTDI FT231X (0403:6015); the Daisy rides on the same dongle as the Cyton.
const OPENBCI_DONGLE: readonly UsbMatch[] = [
  { vendorId: '0403', productId: '6015', adapter: 'OpenBCI USB dongle (FTDI FT231X)', confidence: 'high' },
  { vendorId: '0403', productId: null, adapter: 'FTDI USB serial adapter', confidence: 'low' }
]

// Cyton: 4.5 V reference over gain 24 (cytonFullScaleUv in cyton.parser.ts; test/unit/devices/headsets.test.ts checks it).
const CYTON_GAIN = 24
const CYTON_FULL_SCALE_UV = 187_500

export const HEADSETS = {
  simulated: {
    label: 'Simulated headset',
    manufacturer: 'Vigil',
    // The driver names the configured channel count; these are the config defaults.
    model: 'Simulated 8-channel EEG',
    shortModel: 'simulated headset',
    channelNames: STANDARD_CHANNEL_NAMES.slice(0, 8),
    sampleRateHz: 250,
    fullScaleUv: 187_500,
    gain: null,
    transport: 'built-in',
    baudRate: null,
    usb: [],
    bluetooth: null,
    emulator: false
  },
  cyton: {
    label: 'OpenBCI Cyton (8 ch)',
    manufacturer: 'OpenBCI',
    model: 'OpenBCI Cyton (8 channels)',
    shortModel: 'Cyton',
    // OpenBCI's default 8-electrode montage; the real montage is whatever the lab wired.
    channelNames: STANDARD_CHANNEL_NAMES.slice(0, 8),
    sampleRateHz: 250,
    fullScaleUv: CYTON_FULL_SCALE_UV,
    gain: CYTON_GAIN,
    transport: 'serial',
    baudRate: 115_200,
    usb: OPENBCI_DONGLE,
    bluetooth: null,
    emulator: true
  },
  'cyton-daisy': {
    label: 'OpenBCI Cyton + Daisy (16 ch)',
    manufacturer: 'OpenBCI',
    model: 'OpenBCI Cyton + Daisy (16 channels)',
    shortModel: 'Cyton + Daisy',
    channelNames: STANDARD_CHANNEL_NAMES.slice(0, 16),
    // Packets alternate boards at 250/s, so each board contributes 125 rows/s.
    sampleRateHz: 125,
    fullScaleUv: CYTON_FULL_SCALE_UV,
    gain: CYTON_GAIN,
    transport: 'serial',
    baudRate: 115_200,
    usb: OPENBCI_DONGLE,
    bluetooth: null,
    emulator: true
  },
  thinkgear: {
    label: 'NeuroSky ThinkGear',
    manufacturer: 'NeuroSky',
    model: 'NeuroSky ThinkGear (MindWave / TGAM)',
    shortModel: 'ThinkGear',
    // The single dry electrode sits on the forehead, above the left eye.
    channelNames: ['Fp1'],
    sampleRateHz: 512,
    // ±2048 raw counts of 1.8 V / 4096 / 2000 (THINKGEAR_RAW_UV_PER_COUNT in thinkgear.parser.ts).
    fullScaleUv: 450,
    gain: null,
    transport: 'serial',
    baudRate: 57_600,
    usb: [],
    bluetooth: { pathPattern: /rfcomm|bluetooth|mindwave/i, manufacturerPattern: /neurosky/i, adapter: 'Bluetooth serial link (MindWave Mobile)' },
    emulator: true
  },
  lines: {
    label: 'Text lines (Arduino / DIY)',
    manufacturer: null,
    model: 'Line protocol (CSV / JSON lines)',
    shortModel: null,
    // Unknown until the device sends a header or its first sample line.
    channelNames: [],
    sampleRateHz: 250,
    // Unknown: railed detection stays off unless the device declares it.
    fullScaleUv: 0,
    gain: null,
    transport: 'serial',
    baudRate: 115_200,
    // Arduino-class boards and their CH340/CP210x clones usually run line-protocol sketches (BioAmp, Chords...).
    usb: [
      { vendorId: '2341', productId: null, adapter: 'Arduino', confidence: 'low' },
      { vendorId: '2a03', productId: null, adapter: 'Arduino', confidence: 'low' },
      { vendorId: '1a86', productId: '7523', adapter: 'CH340 USB serial (Arduino clone)', confidence: 'low' },
      { vendorId: '10c4', productId: 'ea60', adapter: 'CP210x USB serial', confidence: 'low' }
    ],
    bluetooth: null,
    emulator: true
  },
  lsl: {
    label: 'LSL stream (any amplifier with an LSL app)',
    manufacturer: null,
    model: 'Lab Streaming Layer stream',
    shortModel: null,
    // From the stream's desc/channels once connected.
    channelNames: [],
    sampleRateHz: 500,
    fullScaleUv: 0,
    gain: null,
    transport: 'lsl',
    baudRate: null,
    usb: [],
    bluetooth: null,
    emulator: false
  }
} as const satisfies Record<string, HeadsetModel>

export type HeadsetKind = keyof typeof HEADSETS
/** In table order (the order the Devices page and help texts list them). */
export const HEADSET_KINDS = Object.keys(HEADSETS) as [HeadsetKind, ...HeadsetKind[]]

type KindsWhere<Condition> = { [K in HeadsetKind]: (typeof HEADSETS)[K] extends Condition ? K : never }[HeadsetKind]
export type SerialHeadsetKind = KindsWhere<{ transport: 'serial' }>
export type EmulatedHeadsetKind = KindsWhere<{ emulator: true }>

export const SERIAL_HEADSET_KINDS = HEADSET_KINDS.filter((kind): kind is SerialHeadsetKind => HEADSETS[kind].transport === 'serial')
export const EMULATED_HEADSET_KINDS = HEADSET_KINDS.filter((kind): kind is EmulatedHeadsetKind => HEADSETS[kind].emulator)

export function isHeadsetKind(kind: string): kind is HeadsetKind {
  return Object.hasOwn(HEADSETS, kind)
}

/** The row of a kind stored as free text (a session's device), null for kinds this version does not know. */
export function headsetOf(kind: string): HeadsetModel | null {
  return isHeadsetKind(kind) ? HEADSETS[kind] : null
}

/** Facts about a connected headset, as data: the table row, updated by what the device itself declares. */
export interface HeadsetDescriptor {
  kind: HeadsetKind
  model: string
  channelNames: string[]
  sampleRateHz: number
  /** Full-scale input range in µV (± this value), used to flag railed channels. */
  fullScaleUv: number
  /** Serial port path, when there is one. */
  port?: string
  /** Unit of the sample values (always µV once a driver has scaled them). */
  unit?: 'uV'
  /** Amplifier gain the µV scale assumes (Cyton: ×24 by default). */
  gain?: number
  baudRate?: number
}

/** A fresh descriptor from a serial kind's row (drivers update channel names and port on their copy). */
export function serialHeadsetDescriptor(kind: SerialHeadsetKind): HeadsetDescriptor & { baudRate: number } {
  const row: HeadsetModel = HEADSETS[kind]
  const baudRate: number = HEADSETS[kind].baudRate
  return {
    kind,
    model: row.model,
    channelNames: [...row.channelNames],
    sampleRateHz: row.sampleRateHz,
    fullScaleUv: row.fullScaleUv,
    unit: 'uV',
    ...(row.gain === null ? {} : { gain: row.gain }),
    baudRate
  }
}
