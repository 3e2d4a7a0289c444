/**
 * Second-order IIR sections (biquads) from the RBJ Audio EQ Cookbook, run in transposed direct form II
 * over interleaved multi-channel blocks. Higher-order Butterworth filters are cascades of sections
 * whose Q values come from the Butterworth pole angles.
 */

export interface BiquadCoefficients {
  b0: number
  b1: number
  b2: number
  a1: number
  a2: number
}

function normalise(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): BiquadCoefficients {
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 }
}

function omega(sampleRateHz: number, frequencyHz: number): { cos: number; sin: number } {
  if (!(frequencyHz > 0 && frequencyHz < sampleRateHz / 2)) {
    throw new RangeError(`filter frequency ${frequencyHz} Hz must lie strictly between 0 and Nyquist (${sampleRateHz / 2} Hz)`)
  }
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz
  return { cos: Math.cos(w), sin: Math.sin(w) }
}

export function lowPass(sampleRateHz: number, cutoffHz: number, q: number): BiquadCoefficients {
  const { cos, sin } = omega(sampleRateHz, cutoffHz)
  const alpha = sin / (2 * q)
  return normalise((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha)
}

export function highPass(sampleRateHz: number, cutoffHz: number, q: number): BiquadCoefficients {
  const { cos, sin } = omega(sampleRateHz, cutoffHz)
  const alpha = sin / (2 * q)
  return normalise((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha)
}

/** Band-stop at `centerHz`; bandwidth = centerHz / q (q 30 at 50 Hz removes ~1.7 Hz). */
export function notch(sampleRateHz: number, centerHz: number, q: number): BiquadCoefficients {
  const { cos, sin } = omega(sampleRateHz, centerHz)
  const alpha = sin / (2 * q)
  return normalise(1, -2 * cos, 1, 1 + alpha, -2 * cos, 1 - alpha)
}

/** Q of each section of an even-order Butterworth filter (order 4 → [0.5412, 1.3066]). */
export function butterworthQs(order: number): number[] {
  if (order < 2 || order % 2 !== 0) throw new RangeError('Butterworth order must be even and at least 2')
  const qs: number[] = []
  for (let k = 0; k < order / 2; k++) qs.push(1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / (2 * order))))
  return qs
}

export function butterworthLowPass(sampleRateHz: number, cutoffHz: number, order: number): BiquadCoefficients[] {
  return butterworthQs(order).map((q) => lowPass(sampleRateHz, cutoffHz, q))
}

export function butterworthHighPass(sampleRateHz: number, cutoffHz: number, order: number): BiquadCoefficients[] {
  return butterworthQs(order).map((q) => highPass(sampleRateHz, cutoffHz, q))
}

/** |H(f)| of a cascade, for tests and documentation of pass-band losses. */
export function cascadeGain(sections: readonly BiquadCoefficients[], sampleRateHz: number, frequencyHz: number): number {
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz
  let gain = 1
  for (const s of sections) {
    // H(e^jw) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
    const nr = s.b0 + s.b1 * Math.cos(w) + s.b2 * Math.cos(2 * w)
    const ni = -s.b1 * Math.sin(w) - s.b2 * Math.sin(2 * w)
    const dr = 1 + s.a1 * Math.cos(w) + s.a2 * Math.cos(2 * w)
    const di = -s.a1 * Math.sin(w) - s.a2 * Math.sin(2 * w)
    gain *= Math.hypot(nr, ni) / Math.hypot(dr, di)
  }
  return gain
}

/**
 * A cascade applied independently to each channel of interleaved blocks, keeping its state between
 * blocks so a stream split anywhere gives the same output.
 */
export interface ChannelFilter {
  readonly channelCount: number
  /** Filters `samples` (interleaved [sample][channel]) into `out` (may be the same array). */
  process(samples: ArrayLike<number>, out: Float32Array | Float64Array): void
  reset(): void
}

export function createChannelFilter(sections: readonly BiquadCoefficients[], channelCount: number): ChannelFilter {
  const sectionCount = sections.length
  const coeffs = new Float64Array(sectionCount * 5)
  sections.forEach((s, i) => coeffs.set([s.b0, s.b1, s.b2, s.a1, s.a2], i * 5))
  // Two state words per section per channel.
  const state = new Float64Array(sectionCount * channelCount * 2)
  return {
    channelCount,
    process(samples, out) {
      const n = samples.length
      for (let i = 0; i < n; i++) {
        const c = i % channelCount
        let x = samples[i]
        for (let s = 0; s < sectionCount; s++) {
          const k = s * 5
          const z = (s * channelCount + c) * 2
          const y = coeffs[k] * x + state[z]
          state[z] = coeffs[k + 1] * x - coeffs[k + 3] * y + state[z + 1]
          state[z + 1] = coeffs[k + 2] * x - coeffs[k + 4] * y
          x = y
        }
        out[i] = x
      }
    },
    reset() {
      state.fill(0)
    }
  }
}

/** Zero-phase filtering of one channel (forward, then backward), as SAE J2944 asks for steering. */
export function filtfilt(sections: readonly BiquadCoefficients[], signal: ArrayLike<number>): Float64Array {
  const n = signal.length
  const out = new Float64Array(n)
  if (n === 0) return out
  // Start from the first value's steady state (subtract it) to avoid a start-up transient.
  const first = signal[0]
  for (let i = 0; i < n; i++) out[i] = signal[i] - first
  const forward = createChannelFilter(sections, 1)
  forward.process(out, out)
  out.reverse()
  const lastForward = out[0]
  for (let i = 0; i < n; i++) out[i] -= lastForward
  const backward = createChannelFilter(sections, 1)
  backward.process(out, out)
  out.reverse()
  for (let i = 0; i < n; i++) out[i] += lastForward + first
  return out
}
