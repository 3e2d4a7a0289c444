/**
 * Emulated Cyton, Cyton + Daisy, ThinkGear and line-protocol headsets on a pty pair, with known,
 * deterministic signals so tests can check values end to end.
 */
import { HEADSETS, type EmulatedHeadsetKind } from '../../../shared/headsets'
import { encodeCytonPacket, cytonScaleUv, CYTON_DEFAULT_GAIN } from '../cyton/cyton.parser'
import { CYTON_CHANNEL_CHARS } from '../cyton/cyton.driver'
import { LEAD_OFF_FREQUENCY_HZ, leadOffToneAmplitudeUv } from '../impedance/impedance'
import { encodeThinkGearMetrics, encodeThinkGearRaw, THINKGEAR_RAW_UV_PER_COUNT } from '../thinkgear/thinkgear.parser'
import { createSerialEmulator, type EmulatorFaults, type SerialEmulator } from './serial-emulator'
import type { PtyPair } from './pty-pair'

/** ADC counts the emulated Cyton sends for a row (sample) and channel (0-15). */
export function emulatedCytonCounts(row: number, channel: number): number {
  return Math.round(Math.sin((2 * Math.PI * (3 + channel) * row) / 250) * 2000 * (channel + 1))
}

export function emulatedCytonUv(row: number, channel: number): number {
  return emulatedCytonCounts(row, channel) * cytonScaleUv(CYTON_DEFAULT_GAIN)
}

export function emulatedThinkGearRaw(index: number): number {
  return Math.round(Math.sin((2 * Math.PI * 10 * index) / 512) * 400)
}

export function emulatedThinkGearUv(index: number): number {
  return emulatedThinkGearRaw(index) * THINKGEAR_RAW_UV_PER_COUNT
}

/** Line-protocol values are sent with one decimal: row r, channel c. */
export function emulatedLineUv(row: number, channel: number): number {
  return Math.round(Math.sin((2 * Math.PI * (4 + channel) * row) / 250) * 300 * (channel + 1)) / 10
}

export interface HeadsetEmulatorOptions extends EmulatorFaults {
  pair: PtyPair
  burstMs?: number
}

/**
 * Cyton: waits for 'b', 250 packets/s, and answers 'd' in text as firmware v3 does. Every 'b'
 * restarts the sample counter at 0 (firmware `startADS`), while the signal follows the board's clock,
 * so values tell the true position across a restart. With `daisy`, packets alternate boards (even
 * counter = Daisy). `aux` fills the 6 aux bytes of every packet (accelerometer, markers).
 */
/** Electrode impedances (kΩ) of the emulated Cyton's channels 1-16: one poor (ch 5) and one off the skin (ch 16). */
export const EMULATED_ELECTRODE_KOHM: readonly number[] = [4.5, 7, 12, 5, 38, 8, 6, 9, 5.5, 6.5, 7.5, 8.5, 9.5, 3, 4, 250]

export function createCytonEmulator(
  options: HeadsetEmulatorOptions & { daisy?: boolean; aux?: readonly number[]; electrodeKohm?: readonly number[] }
): SerialEmulator {
  const counts = new Float64Array(8)
  const electrodeKohm = options.electrodeKohm ?? EMULATED_ELECTRODE_KOHM
  // Lead-off current per channel, as the ADS1299 has it after `z CH P N Z`: bit 0 = P, bit 1 = N.
  const leadOff = new Uint8Array(16)
  let pending = ''
  const rowRateHz = options.daisy ? 125 : 250
  return createSerialEmulator({
    ...options,
    frameRateHz: 250,
    baudRate: HEADSETS.cyton.baudRate,
    startCommand: 'b',
    stopCommand: 's',
    replies: { d: 'updating channel settings to default$$$' },
    onCommand(text) {
      pending = (pending + text).slice(-16)
      for (let match = /z(.)([01])([01])Z/.exec(pending); match; match = /z(.)([01])([01])Z/.exec(pending)) {
        const channel = CYTON_CHANNEL_CHARS.indexOf(match[1])
        if (channel >= 0) leadOff[channel] = (match[2] === '1' ? 1 : 0) | (match[3] === '1' ? 2 : 0)
        pending = pending.slice(match.index + match[0].length)
      }
    },
    encodeFrame(index, counter) {
      // Daisy: a pair is (even counter = Daisy 9-16, odd = Cyton 1-8) and shares one row.
      const row = options.daisy ? (index - (counter & 1)) >> 1 : index
      const channelBase = options.daisy && counter % 2 === 0 ? 8 : 0
      const scale = cytonScaleUv(CYTON_DEFAULT_GAIN)
      for (let c = 0; c < 8; c++) {
        counts[c] = emulatedCytonCounts(row, channelBase + c)
        if (leadOff[channelBase + c]) {
          // The 6 nA test current through electrode + 2.2 kΩ: a 31.25 Hz tone of Z·I.
          const amplitudeUv = leadOffToneAmplitudeUv((electrodeKohm[channelBase + c] ?? 10) * 1000)
          counts[c] += Math.round((amplitudeUv / scale) * Math.sin((2 * Math.PI * LEAD_OFF_FREQUENCY_HZ * row) / rowRateHz))
        }
      }
      return encodeCytonPacket({ counter: counter & 0xff, counts, aux: options.aux })
    }
  })
}

/** ThinkGear: 512 raw packets/s plus a poor-signal / eSense / band-power packet every second. */
export function createThinkGearEmulator(options: HeadsetEmulatorOptions): SerialEmulator {
  return createSerialEmulator({
    ...options,
    frameRateHz: 512,
    baudRate: HEADSETS.thinkgear.baudRate,
    encodeFrame(index) {
      const raw = encodeThinkGearRaw(emulatedThinkGearRaw(index))
      if (index % 512 !== 511) return raw
      const second = (index + 1) / 512
      const metrics = encodeThinkGearMetrics(0, 40 + (second % 50), 60, [100_000, 50_000, 20_000, 15_000, 8000, 6000, 3000, 1000])
      const both = new Uint8Array(raw.length + metrics.length)
      both.set(raw, 0)
      both.set(metrics, raw.length)
      return both
    }
  })
}

export interface LinesEmulatorOptions extends HeadsetEmulatorOptions {
  channels?: number
  format?: 'csv' | 'json'
  /** Send a sample counter (wrapping at 256 for CSV, unbounded in JSON). Default true. */
  withCounter?: boolean
  lineEnding?: '\n' | '\r\n'
  sampleRateHz?: number
  /** Repeat the header every this many seconds, as docs/devices.md recommends (default 1; 0 = only on open). */
  headerEverySeconds?: number
  /** Send no header at all (a bare sketch). */
  isHeaderless?: boolean
  /** A text line to print before sample `index` (a sketch's status message), or null. */
  extraLine?(index: number): string | null
  /** A status line printed first in the burst after every `everyLines` samples (so a host reads it first). */
  statusLine?: { text: string; everyLines: number }
}

/** An Arduino-style sketch: prints a header on (re)connect, then one line per sample. */
export function createLinesEmulator(options: LinesEmulatorOptions): SerialEmulator {
  const channels = options.channels ?? 2
  const eol = options.lineEnding ?? '\r\n'
  const format = options.format ?? 'csv'
  const withCounter = options.withCounter ?? true
  const rate = options.sampleRateHz ?? 250
  const names = Array.from({ length: channels }, (_, c) => `ch${c + 1}`)
  const headerEvery = Math.round((options.headerEverySeconds ?? 1) * rate)
  const encoder = new TextEncoder()
  const header = (): string =>
    format === 'json' ? JSON.stringify({ channels: names, sampleRateHz: rate }) + eol : `# sample_rate_hz=${rate}${eol}${withCounter ? 'n,' : ''}${names.join(',')}${eol}`
  return createSerialEmulator({
    ...options,
    frameRateHz: rate,
    baudRate: HEADSETS.lines.baudRate,
    preamble: () => (options.isHeaderless ? null : encoder.encode(header())),
    atBurstStart(first, end) {
      const status = options.statusLine
      if (!status || first === 0 || Math.floor((end - 1) / status.everyLines) === Math.floor((first - 1) / status.everyLines)) return null
      return encoder.encode(status.text + eol)
    },
    encodeFrame(index) {
      const values = names.map((_, c) => emulatedLineUv(index, c))
      const extra = options.extraLine?.(index)
      let line = format === 'json' ? JSON.stringify(withCounter ? { seq: index, values } : { values }) + eol : `${withCounter ? `${index % 256},` : ''}${values.join(',')}${eol}`
      if (extra !== null && extra !== undefined) line = extra + eol + line
      return encoder.encode(!options.isHeaderless && headerEvery > 0 && index % headerEvery === 0 && index > 0 ? header() + line : line)
    }
  })
}

const EMULATORS = {
  cyton: (options) => createCytonEmulator(options),
  'cyton-daisy': (options) => createCytonEmulator({ ...options, daisy: true }),
  thinkgear: (options) => createThinkGearEmulator(options),
  lines: (options) => createLinesEmulator(options)
} satisfies Record<EmulatedHeadsetKind, (options: HeadsetEmulatorOptions) => SerialEmulator>

/** The emulator of a kind whose row in `shared/headsets.ts` says it has one. */
export function createHeadsetEmulator(kind: EmulatedHeadsetKind, options: HeadsetEmulatorOptions): SerialEmulator {
  return EMULATORS[kind](options)
}
