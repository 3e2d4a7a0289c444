import { describe, expect, it } from 'vitest'
import { createRandom } from '../../../src/shared/random'
import { bandPowers, DEFAULT_BANDS, ratioIndices } from '../../../src/station/signal/band-power'
import { createPeriodogram, hannWindow, integrateBand, nextPowerOfTwo, welch } from '../../../src/station/signal/welch'

const FS = 250

function sine(amplitudeUv: number, hz: number, seconds: number, fs = FS, phase = 0.3): Float64Array {
  const out = new Float64Array(Math.round(seconds * fs))
  for (let i = 0; i < out.length; i++) out[i] = amplitudeUv * Math.sin((2 * Math.PI * hz * i) / fs + phase)
  return out
}

function gaussianNoise(n: number, sd: number, seed: number): Float64Array {
  const random = createRandom(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  return out
}

describe('Welch PSD', () => {
  it('zero-pads segments to the next power of two for fft.js', () => {
    expect(nextPowerOfTwo(500)).toBe(512)
    expect(nextPowerOfTwo(512)).toBe(512)
    expect(createPeriodogram(500, 250).binHz).toBeCloseTo(250 / 512)
  })

  it('uses the periodic Hann window (SciPy get_window)', () => {
    const w = hannWindow(4)
    expect(Array.from(w)).toEqual([0, 0.5, 1, 0.5].map((v) => expect.closeTo(v, 12)))
  })

  // A sinusoid of amplitude A carries power A²/2; each band's test tone must integrate to that within 2%.
  it.each([
    ['delta', 2.5, 20],
    ['theta', 6, 10],
    ['alpha', 10.3, 15],
    ['beta', 21, 5]
  ] as const)('gives the %s band the power of a %f Hz sinusoid within 2 percent', (band, hz, amplitudeUv) => {
    for (const fs of [250, 1000]) {
      const { psd, binHz } = welch(sine(amplitudeUv, hz, 8, fs), { sampleRateHz: fs, segmentLength: 2 * fs, overlap: 0.5 })
      const powers = bandPowers(psd, binHz)
      const theory = amplitudeUv ** 2 / 2
      expect(Math.abs(powers[band] - theory) / theory).toBeLessThan(0.02)
      // And almost nothing leaks into the other bands.
      for (const other of Object.keys(DEFAULT_BANDS) as (keyof typeof DEFAULT_BANDS)[]) {
        if (other !== band) expect(powers[other]).toBeLessThan(0.02 * theory)
      }
    }
  })

  it('finds a flat PSD at 2σ²/fs for white noise, and its total power is the variance', () => {
    const sd = 10
    const { psd, binHz, segments } = welch(gaussianNoise(FS * 120, sd, 7), { sampleRateHz: FS, segmentLength: 2 * FS, overlap: 0.5 })
    expect(segments).toBe(119)
    const expected = (2 * sd * sd) / FS
    for (const [lo, hi] of [[1, 10], [10, 30], [30, 60], [60, 100], [100, 120]]) {
      const mean = integrateBand(psd, binHz, lo, hi) / (hi - lo)
      expect(Math.abs(mean - expected) / expected).toBeLessThan(0.08)
    }
    const total = integrateBand(psd, binHz, 0, FS / 2)
    expect(Math.abs(total - sd * sd) / (sd * sd)).toBeLessThan(0.05)
  })

  it('integrates piecewise-linearly so adjacent bands add up to their union', () => {
    const { psd, binHz } = welch(gaussianNoise(FS * 16, 5, 3), { sampleRateHz: FS, segmentLength: 2 * FS, overlap: 0.5 })
    const whole = integrateBand(psd, binHz, 1.1, 29.7)
    const parts = integrateBand(psd, binHz, 1.1, 4.33) + integrateBand(psd, binHz, 4.33, 13.9) + integrateBand(psd, binHz, 13.9, 29.7)
    expect(parts).toBeCloseTo(whole, 9)
  })

  it('computes the Jap et al. ratio indices', () => {
    const r = ratioIndices({ delta: 1, theta: 2, alpha: 3, beta: 4 })
    expect(r).toEqual({ thetaAlphaOverBeta: 5 / 4, alphaOverBeta: 3 / 4, thetaAlphaOverAlphaBeta: 5 / 7, thetaOverBeta: 2 / 4 })
  })
})
