/**
 * Station → client encoding. A broadcast is serialised once into a Buffer that every recipient's
 * socket sends as is (the cost of JSON is per message, not per client).
 */
import { PROTOCOL_VERSION } from '../../shared/protocol/common'
import type { StationMessage, StationMessageOf } from '../../shared/protocol/station-messages'
import type { SampleBlock } from '../devices/types'

type Unversioned<M> = M extends unknown ? Omit<M, 'v'> : never

export function encode(message: Unversioned<StationMessage>): Buffer {
  return Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, ...message }))
}

/** 0.01 µV is far below any EEG amplifier's noise floor and keeps the JSON short. */
function roundUv(value: number): number {
  return Math.round(value * 100) / 100
}

export function eegMessage(sessionId: string, block: SampleBlock, receivedAtMs: number): Unversioned<StationMessageOf<'eeg.samples'>> {
  const n = block.timestampsMs.length
  const c = block.channelCount
  const samplesUv: number[][] = []
  for (let i = 0; i < n; i++) {
    const row: number[] = []
    for (let ch = 0; ch < c; ch++) row.push(roundUv(block.samplesUv[i * c + ch]))
    samplesUv.push(row)
  }
  return { type: 'eeg.samples', sessionId, firstSampleSeq: block.firstSeq, channelCount: c, tMs: Array.from(block.timestampsMs), samplesUv, receivedAtMs }
}
