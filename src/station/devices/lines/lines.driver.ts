/**
 * Line-protocol headsets (Arduino / BioAmp sketches printing CSV or JSON lines). Lines are split by
 * @serialport/parser-readline on '\n'; the parser trims the '\r' of CRLF devices.
 */
import { ReadlineParser } from '@serialport/parser-readline'
import { serialHeadsetDescriptor, STANDARD_CHANNEL_NAMES } from '../../../shared/headsets'
import type { SerialDriverOptions, SerialProtocol } from '../serial/serial-protocol'
import { SerialHeadsetDriver } from '../serial/serial.driver'
import { createLinesParser, decodeLines, type LinesParserState } from './lines.parser'

export function createLinesProtocol(): SerialProtocol {
  const descriptor = serialHeadsetDescriptor('lines')
  let parser: LinesParserState = createLinesParser()
  let isFirstLineSuspect = true
  return {
    kind: 'lines',
    descriptor,
    defaultBaudRate: descriptor.baudRate,
    counterModulus: null,
    inferCounterModulus: true,
    createFramer: () => new ReadlineParser({ delimiter: '\n', encoding: 'utf8' }),
    decode: (chunks) => {
      const lines = chunks.map(String)
      if (isFirstLineSuspect && lines.length > 0) {
        // The port may have opened mid-line: "3,45.6" could be the tail of "123,45.6" and would
        // parse. Drop the first line after every open.
        isFirstLineSuspect = false
        lines.shift()
      }
      return decodeLines(parser, lines)
    },
    reset: () => {
      isFirstLineSuspect = true
      // A replugged board re-sends its header; until then keep the layout we know. A reopen is not a
      // stream start: a text line read first must not become the header (it did, for good).
      const known = parser
      parser = createLinesParser()
      parser.channelCount = known.channelCount
      parser.channelNames = known.channelNames
      parser.hasCounter = known.hasCounter
      parser.isLayoutKnown = known.isLayoutKnown
      parser.hasSamples = known.hasSamples
      parser.isNamedByHeader = known.isNamedByHeader
      parser.sampleRateHz = known.sampleRateHz
      parser.fullScaleUv = known.fullScaleUv
      parser.stats = known.stats
    },
    parserStats: () => ({ ...parser.stats }),
    applyEvents: (events) => {
      if (!events.some((e) => e.name === 'header' || e.name === 'settings' || e.name === 'layout_changed')) return false
      const names = parser.channelNames ?? STANDARD_CHANNEL_NAMES.slice(0, parser.channelCount).concat()
      while (names.length < parser.channelCount) names.push(`ch${names.length + 1}`)
      const sampleRateHz = parser.sampleRateHz ?? descriptor.sampleRateHz
      const fullScaleUv = parser.fullScaleUv ?? descriptor.fullScaleUv
      // Devices repeat their header; only a real change counts.
      if (names.join('\0') === descriptor.channelNames.join('\0') && sampleRateHz === descriptor.sampleRateHz && fullScaleUv === descriptor.fullScaleUv) return false
      descriptor.channelNames = names
      descriptor.sampleRateHz = sampleRateHz
      descriptor.fullScaleUv = fullScaleUv
      return true
    }
  }
}

export function createLinesDriver(options: SerialDriverOptions): SerialHeadsetDriver {
  return new SerialHeadsetDriver(createLinesProtocol(), options)
}
