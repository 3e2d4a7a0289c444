/**
 * A seeded, pure generator of realistic EEG for the simulated headset.
 *
 * Per channel: 1/f ("pink") background, an alpha (10 Hz) and a theta (6 Hz) rhythm and a little beta
 * (20 Hz), eye-blink artefacts on the frontal channels and mains interference. A fatigue level f in
 * [0, 1] rises linearly over `fatigueRampMinutes`: alpha and theta grow and beta shrinks with f, and
 * blinks get longer, so the (θ+α)/β index rises as a drowsy driver's does.
 * Same config and seed → the same samples, bit for bit.
 */
import type { SimulatedHeadsetConfig } from '../../config'
import { createRandom } from '../../../shared/random'
import { STANDARD_CHANNEL_NAMES } from '../../../shared/headsets'

function gaussian(random: () => number): number {
  // Box-Muller; 1 - u avoids log(0).
  const u = 1 - random()
  const v = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Rhythm amplitudes (µV, peak) at f = 0 (alert) and f = 1 (drowsy). */
export const SIMULATED_RHYTHMS = {
  alpha: { hz: 10, alertUv: 6, drowsyUv: 14 },
  theta: { hz: 6, alertUv: 3, drowsyUv: 12 },
  beta: { hz: 20, alertUv: 5, drowsyUv: 2 }
} as const

const BACKGROUND_RMS_UV = 6
const LINE_NOISE_UV = 2
const BLINK_PEAK_UV = 120

interface ChannelState {
  pink: [number, number, number, number, number, number, number]
  alphaWeight: number
  thetaWeight: number
  blinkWeight: number
  phase: { alpha: number; theta: number; beta: number; line: number }
}

function channelWeights(name: string): Pick<ChannelState, 'alphaWeight' | 'thetaWeight' | 'blinkWeight'> {
  // Alpha is strongest over occipital/parietal sites, theta fronto-central, blinks frontal.
  const alphaWeight = /^(O|PO|P)/.test(name) ? 1 : /^(C|CP|T)/.test(name) ? 0.6 : 0.35
  const thetaWeight = /^(F|FC|AF|Fz|Cz)/.test(name) ? 1 : 0.7
  const blinkWeight = name.startsWith('Fp') ? 1 : /^(AF|F7|F8)/.test(name) ? 0.5 : name.startsWith('F') ? 0.25 : 0.02
  return { alphaWeight, thetaWeight, blinkWeight }
}

export interface SimulatedEeg {
  readonly channelNames: string[]
  readonly sampleRateHz: number
  /** Index of the next sample `next` will produce. */
  readonly sampleIndex: number
  /** The fatigue level in [0, 1] at a sample index. */
  fatigueAt(sampleIndex: number): number
  /** Produces the next `count` samples, interleaved [sample][channel], in µV. */
  next(count: number): Float32Array
}

export function createSimulatedEeg(config: SimulatedHeadsetConfig): SimulatedEeg {
  const { channelCount, sampleRateHz, seed, fatigueRampMinutes, lineNoiseHz, blinkRatePerMin } = config
  const random = createRandom(seed)
  const channelNames = STANDARD_CHANNEL_NAMES.slice(0, channelCount) as string[]
  const channels: ChannelState[] = channelNames.map((name) => ({
    pink: [0, 0, 0, 0, 0, 0, 0],
    ...channelWeights(name),
    phase: { alpha: random() * 2 * Math.PI, theta: random() * 2 * Math.PI, beta: random() * 2 * Math.PI, line: 0 }
  }))
  const dt = 1 / sampleRateHz
  const rampSamples = fatigueRampMinutes * 60 * sampleRateHz
  let index = 0
  // Slow amplitude wander (waxing/waning of alpha), shared by all channels.
  let wander = 0
  // Blink currently under way: start index and length in samples.
  let blinkStart = -1
  let blinkLength = 0
  const blinkProbability = blinkRatePerMin / 60 / sampleRateHz

  const fatigueAt = (i: number) => (rampSamples <= 0 ? 1 : Math.min(1, i / rampSamples))

  function next(count: number): Float32Array {
    const out = new Float32Array(count * channelCount)
    for (let s = 0; s < count; s++, index++) {
      const f = fatigueAt(index)
      const { alpha, theta, beta } = SIMULATED_RHYTHMS
      wander += (gaussian(random) * 0.02 - wander * 0.002)
      const alphaUv = (alpha.alertUv + (alpha.drowsyUv - alpha.alertUv) * f) * (1 + Math.max(-0.5, Math.min(0.5, wander)))
      const thetaUv = theta.alertUv + (theta.drowsyUv - theta.alertUv) * f
      const betaUv = beta.alertUv + (beta.drowsyUv - beta.alertUv) * f
      if (blinkStart < 0 && random() < blinkProbability) {
        blinkStart = index
        // Drowsy blinks last longer: ~250 ms alert → ~450 ms drowsy.
        blinkLength = Math.round((0.25 + 0.2 * f) * sampleRateHz)
      }
      let blinkUv = 0
      if (blinkStart >= 0) {
        const progress = (index - blinkStart) / blinkLength
        if (progress >= 1) blinkStart = -1
        else blinkUv = BLINK_PEAK_UV * 0.5 * (1 - Math.cos(2 * Math.PI * progress))
      }
      for (let c = 0; c < channelCount; c++) {
        const ch = channels[c]
        // Paul Kellet's economy pink-noise filter over white Gaussian noise.
        const white = gaussian(random)
        const p = ch.pink
        p[0] = 0.99886 * p[0] + white * 0.0555179
        p[1] = 0.99332 * p[1] + white * 0.0750759
        p[2] = 0.969 * p[2] + white * 0.153852
        p[3] = 0.8665 * p[3] + white * 0.3104856
        p[4] = 0.55 * p[4] + white * 0.5329522
        p[5] = -0.7616 * p[5] - white * 0.016898
        const pink = (p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6] + white * 0.5362) * 0.11
        p[6] = white * 0.115926
        ch.phase.alpha += 2 * Math.PI * alpha.hz * dt
        ch.phase.theta += 2 * Math.PI * theta.hz * dt
        ch.phase.beta += 2 * Math.PI * beta.hz * dt
        ch.phase.line += 2 * Math.PI * lineNoiseHz * dt
        out[s * channelCount + c] =
          pink * BACKGROUND_RMS_UV * 3 +
          alphaUv * ch.alphaWeight * Math.sin(ch.phase.alpha) +
          thetaUv * ch.thetaWeight * Math.sin(ch.phase.theta) +
          betaUv * Math.sin(ch.phase.beta) +
          LINE_NOISE_UV * Math.sin(ch.phase.line) +
          blinkUv * ch.blinkWeight
      }
    }
    return out
  }

  return {
    channelNames,
    sampleRateHz,
    get sampleIndex() {
      return index
    },
    fatigueAt,
    next
  }
}
