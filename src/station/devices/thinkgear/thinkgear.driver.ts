/** NeuroSky ThinkGear headsets (MindWave Mobile over Bluetooth SPP, TGAM modules): 57600 baud, no commands. */
import { serialHeadsetDescriptor } from '../../../shared/headsets'
import type { SerialDriverOptions, SerialProtocol } from '../serial/serial-protocol'
import { SerialHeadsetDriver } from '../serial/serial.driver'
import { createThinkGearParser, decodeThinkGear, resetThinkGearParser } from './thinkgear.parser'

export function createThinkGearProtocol(): SerialProtocol {
  const descriptor = serialHeadsetDescriptor('thinkgear')
  const parser = createThinkGearParser()
  return {
    kind: 'thinkgear',
    descriptor,
    defaultBaudRate: descriptor.baudRate,
    // No sample counter on the wire: the parser counts raw-wave samples and rejected raw packets,
    // and longer losses are found from the sample count against the host clock.
    counterModulus: null,
    isCounterVirtual: true,
    silenceHint: 'is the headset switched on and paired (Bluetooth), or the TGAM module powered?',
    decode: (chunks) => decodeThinkGear(parser, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks as Buffer[])),
    reset: () => resetThinkGearParser(parser),
    parserStats: () => ({ ...parser.stats })
  }
}

export function createThinkGearDriver(options: SerialDriverOptions): SerialHeadsetDriver {
  return new SerialHeadsetDriver(createThinkGearProtocol(), options)
}
