/** OpenBCI Cyton / Cyton + Daisy over the USB dongle: 115200 baud, 'd' + 'b' start and 's' stops streaming. */
import { serialHeadsetDescriptor } from '../../../shared/headsets'
import type { ParserStats } from '../protocol'
import type { SerialDriverOptions, SerialProtocol } from '../serial/serial-protocol'
import { SerialHeadsetDriver } from '../serial/serial.driver'
import { createCytonParser, decodeCyton, resetCytonParser } from './cyton.parser'

export const CYTON_START_STREAM = 'b'
export const CYTON_STOP_STREAM = 's'
/**
 * Channel defaults (gain ×24, normal input, bias and SRB2 on), sent before every start: samples are
 * scaled with gain 24, and another program (the OpenBCI GUI) may have left other gains on the board
 * until its next power cycle. BrainFlow does the same at start-up. Firmware v2+ takes both back to back.
 */
export const CYTON_CHANNEL_DEFAULTS = 'd'

/** Channel characters of `z` and `x` commands: 1-8 on the Cyton, Q-I for the Daisy's 9-16. */
export const CYTON_CHANNEL_CHARS = '12345678QWERTYUI'

/** `z CH P N Z`: lead-off current on the P and/or N input of a channel (firmware v2+). */
export function cytonLeadOffCommand(channel: number, pin: 'n' | 'p', isOn: boolean): string {
  const p = isOn && pin === 'p' ? '1' : '0'
  const n = isOn && pin === 'n' ? '1' : '0'
  return `z${CYTON_CHANNEL_CHARS[channel]}${p}${n}Z`
}

export function createCytonProtocol(daisy: boolean): SerialProtocol {
  const kind = daisy ? 'cyton-daisy' : 'cyton'
  const descriptor = serialHeadsetDescriptor(kind)
  const parser = createCytonParser({ daisy })
  return {
    kind,
    descriptor,
    defaultBaudRate: descriptor.baudRate,
    counterModulus: parser.counterModulus,
    startCommand: CYTON_CHANNEL_DEFAULTS + CYTON_START_STREAM,
    stopCommand: CYTON_STOP_STREAM,
    // Firmware startADS() sets the sample counter to 0 on every 'b'.
    restartsCounterOnStart: true,
    leadOffCommand: cytonLeadOffCommand,
    // The dongle answers even when the board is off or on another radio channel.
    silenceHint: 'is the board switched on, charged, and paired with this dongle?',
    decode: (chunks) => decodeCyton(parser, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks as Buffer[])),
    reset: () => resetCytonParser(parser),
    parserStats: (): ParserStats => ({ ...parser.stats })
  }
}

export function createCytonDriver(options: SerialDriverOptions & { daisy?: boolean }): SerialHeadsetDriver {
  return new SerialHeadsetDriver(createCytonProtocol(options.daisy ?? false), options)
}
