/**
 * Line-protocol headsets (Arduino / BioAmp sketches printing CSV or JSON lines). Lines are split by
 * @serialport/parser-readline on '\n'; the parser trims the '\r' of CRLF devices.
 */
import { ReadlineParser } from '@serialport/parser-readline'
import { serialModel } from '../models'
import { STANDARD_CHANNEL_NAMES } from '../types'
import { SerialHeadsetDriver, type SerialDriverOptions, type SerialProtocol } from '../serial/serial.driver'
import { createLinesParser, decodeLines, type LinesParserState } from './lines.parser'

export function createLinesProtocol(): SerialProtocol {
  const model = serialModel('lines')
  let parser: LinesParserState = createLinesParser()
  const descriptor = { ...model.descriptor, baudRate: model.baudRate }
  return {
    kind: 'lines',
    descriptor,
    defaultBaudRate: model.baudRate,
    counterModulus: null,
    inferCounterModulus: true,
    createFramer: () => new ReadlineParser({ delimiter: '\n', encoding: 'utf8' }),
    decode: (chunks) => decodeLines(parser, chunks.map(String)),
    reset: () => {
      // A replugged board re-sends its header; until then keep the layout we know.
      const known = parser
      parser = createLinesParser()
      parser.channelCount = known.channelCount
      parser.channelNames = known.channelNames
      parser.hasCounter = known.hasCounter
      parser.sampleRateHz = known.sampleRateHz
      parser.fullScaleUv = known.fullScaleUv
      parser.stats = known.stats
    },
    parserStats: () => ({ ...parser.stats }),
    applyEvents: (events) => {
      if (!events.some((e) => e.name === 'header' || e.name === 'settings')) return false
      const names = parser.channelNames ?? STANDARD_CHANNEL_NAMES.slice(0, parser.channelCount).concat()
      while (names.length < parser.channelCount) names.push(`ch${names.length + 1}`)
      descriptor.channelNames = names
      if (parser.sampleRateHz) descriptor.sampleRateHz = parser.sampleRateHz
      if (parser.fullScaleUv) descriptor.fullScaleUv = parser.fullScaleUv
      return true
    }
  }
}

export function createLinesDriver(options: SerialDriverOptions): SerialHeadsetDriver {
  return new SerialHeadsetDriver(createLinesProtocol(), options)
}
