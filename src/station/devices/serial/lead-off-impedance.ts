/**
 * Electrode impedance from the ADS1299's lead-off current (Cyton, Daisy): each channel's current
 * source is switched on in turn (N pin, P pin or both), the ≈31 Hz test tone is measured for
 * `measureSamples` after `settleSamples`, and the source is switched off again
 * (impedance/impedance.ts has the formula). Samples keep flowing to every listener meanwhile: they
 * carry the tone, so a check is run before recording or during a pause.
 */
import type { EventEmitter } from 'node:events'
import { VigilError } from '../../../shared/errors'
import { DEFAULT_IMPEDANCE_THRESHOLDS, leadOffImpedanceOhm, rateImpedance, summarise, type ElectrodeImpedance, type ImpedanceMeasurement } from '../impedance/impedance'
import type { DeviceState, HeadsetDescriptor, HeadsetDriverEvents, ImpedanceCheckOptions, SampleBlock } from '../types'

export interface LeadOffTarget {
  descriptor: HeadsetDescriptor
  /** The protocol's command that switches one channel's lead-off current (Cyton: `z CH P N Z`). */
  leadOffCommand(channel: number, pin: 'n' | 'p', isOn: boolean): string
  write(text: string): void
  /** The driver: its `samples` and `state` events. */
  stream: EventEmitter<HeadsetDriverEvents>
  nowMs(): number
}

export async function measureLeadOffImpedance(target: LeadOffTarget, options: ImpedanceCheckOptions = {}): Promise<ImpedanceMeasurement> {
  const { descriptor } = target
  const rate = descriptor.sampleRateHz
  const settle = options.settleSamples ?? Math.round(rate / 4)
  const measure = options.measureSamples ?? Math.round(rate)
  const thresholds = options.thresholds ?? DEFAULT_IMPEDANCE_THRESHOLDS
  const pins: Array<'n' | 'p'> = options.pins === 'both' ? ['n', 'p'] : [options.pins ?? 'n']
  const electrodes: ElectrodeImpedance[] = []
  for (let channel = 0; channel < descriptor.channelNames.length; channel++) {
    for (const pin of pins) {
      target.write(target.leadOffCommand(channel, pin, true))
      try {
        const values = await collectChannel(target, channel, settle + measure)
        const impedanceKohm = Math.round(leadOffImpedanceOhm(values.subarray(settle), rate) / 100) / 10
        electrodes.push({ channel, label: descriptor.channelNames[channel], pin, impedanceKohm, rating: rateImpedance(impedanceKohm, thresholds) })
      } finally {
        target.write(target.leadOffCommand(channel, pin, false))
      }
    }
  }
  return summarise(electrodes, thresholds, target.nowMs(), 'lead-off')
}

/** The next `count` values of one channel, as they arrive; rejects if the stream stops. */
function collectChannel(target: LeadOffTarget, channel: number, count: number): Promise<Float32Array> {
  const { stream, descriptor } = target
  return new Promise((resolve, reject) => {
    const values = new Float32Array(count)
    let filled = 0
    const onSamples = (block: SampleBlock): void => {
      const n = block.timestampsMs.length
      for (let k = 0; k < n && filled < count; k++) values[filled++] = block.samplesUv[k * block.channelCount + channel]
      if (filled === count) finish(null)
    }
    const onState = (state: DeviceState): void => {
      if (state !== 'streaming') finish(new VigilError('DEVICE_NOT_CONNECTED', `The headset became ${state} during the impedance check`))
    }
    // A stream that stops is reported by the state; this only bounds a stream that trickles.
    const timer = setTimeout(() => finish(new VigilError('DEVICE_NOT_CONNECTED', 'Too few samples arrived for the impedance check')), (count / descriptor.sampleRateHz) * 1000 * 3 + 5000)
    const finish = (err: Error | null): void => {
      clearTimeout(timer)
      stream.off('samples', onSamples)
      stream.off('state', onState)
      if (err) reject(err)
      else resolve(values)
    }
    stream.on('samples', onSamples)
    stream.on('state', onState)
  })
}
