/**
 * Per-channel signal quality over one-second windows, pure.
 *   railed: at least half the window within 5 % of full scale (lead off, saturated amplifier)
 *   flat:   peak-to-peak under 1 µV (shorted input, dead channel, stuck ADC)
 *   noisy:  RMS of the first difference above 50 µV: high-frequency noise (mains, EMG, a loose
 *           electrode). Differences ignore the DC offset and slow drift of raw ADC data.
 */
import type { ChannelQuality } from './types'

const RAIL_FRACTION = 0.95
const FLAT_PTP_UV = 1
const NOISY_DIFF_RMS_UV = 50

export interface QualityMonitor {
  /** Adds interleaved samples; returns the new per-channel verdict whenever a window completes. */
  push(samplesUv: Float32Array, count: number): ChannelQuality[] | null
  readonly current: ChannelQuality[]
}

export function createQualityMonitor(channelCount: number, sampleRateHz: number, fullScaleUv: number): QualityMonitor {
  const windowSamples = Math.max(8, Math.round(sampleRateHz))
  let current: ChannelQuality[] = Array.from({ length: channelCount }, (): ChannelQuality => 'unknown')
  let n = 0
  const min = new Float64Array(channelCount)
  const max = new Float64Array(channelCount)
  const diffSq = new Float64Array(channelCount)
  const railed = new Float64Array(channelCount)
  const last = new Float64Array(channelCount)
  const railUv = fullScaleUv > 0 ? fullScaleUv * RAIL_FRACTION : Infinity

  function reset(): void {
    n = 0
    min.fill(Infinity)
    max.fill(-Infinity)
    diffSq.fill(0)
    railed.fill(0)
  }
  reset()

  function verdict(): ChannelQuality[] {
    const out: ChannelQuality[] = []
    for (let c = 0; c < channelCount; c++) {
      if (railed[c] >= n / 2) out.push('railed')
      else if (max[c] - min[c] < FLAT_PTP_UV) out.push('flat')
      else if (Math.sqrt(diffSq[c] / Math.max(1, n - 1)) > NOISY_DIFF_RMS_UV) out.push('noisy')
      else out.push('good')
    }
    return out
  }

  return {
    get current() {
      return current
    },
    push(samplesUv, count) {
      let result: ChannelQuality[] | null = null
      for (let i = 0; i < count; i++) {
        const base = i * channelCount
        for (let c = 0; c < channelCount; c++) {
          const v = samplesUv[base + c]
          if (v < min[c]) min[c] = v
          if (v > max[c]) max[c] = v
          if (Math.abs(v) >= railUv) railed[c]++
          if (n > 0) {
            const d = v - last[c]
            diffSq[c] += d * d
          }
          last[c] = v
        }
        n++
        if (n >= windowSamples) {
          current = verdict()
          result = current
          reset()
        }
      }
      return result
    }
  }
}
