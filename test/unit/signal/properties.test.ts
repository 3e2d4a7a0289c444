import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createFatigueEngine } from '../../../src/station/fatigue/engine'
import { butterworthHighPass, createChannelFilter, notch } from '../../../src/station/signal/biquad'
import { integrateBand, welch } from '../../../src/station/signal/welch'

const signalArb = (min: number, max: number) => fc.array(fc.double({ min: -500, max: 500, noNaN: true }), { minLength: min, maxLength: max })

describe('signal properties (fast-check)', () => {
  it('band integrals are additive for any split point', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 4, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (psd, a, b, c) => {
        const top = (psd.length - 1) * 0.5
        const [lo, mid, hi] = [a, b, c].map((x) => x * top).sort((x, y) => x - y)
        const whole = integrateBand(psd, 0.5, lo, hi)
        const parts = integrateBand(psd, 0.5, lo, mid) + integrateBand(psd, 0.5, mid, hi)
        expect(parts).toBeCloseTo(whole, 6)
        expect(whole).toBeGreaterThanOrEqual(0)
      })
    )
  })

  it('filtering does not depend on where a stream is cut into blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), signalArb(8, 400), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (channels, raw, cuts) => {
        const n = Math.floor(raw.length / channels) * channels
        const data = Float64Array.from(raw.slice(0, n))
        const sections = [notch(250, 50, 30), ...butterworthHighPass(250, 0.5, 4)]
        const whole = new Float64Array(n)
        createChannelFilter(sections, channels).process(data, whole)
        const pieces = new Float64Array(n)
        const filter = createChannelFilter(sections, channels)
        let at = 0
        for (const cut of [...cuts, n]) {
          const end = Math.min(n, at + cut * channels)
          const out = new Float64Array(end - at)
          filter.process(data.subarray(at, end), out)
          pieces.set(out, at)
          at = end
          if (at >= n) break
        }
        if (at < n) return
        expect(Array.from(pieces)).toEqual(Array.from(whole))
      })
    )
  })

  it('Welch PSD scales with the square of the gain and ignores a DC offset', () => {
    fc.assert(
      fc.property(signalArb(64, 256), fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }), (x, gain, offset) => {
        const options = { sampleRateHz: 100, segmentLength: 32, overlap: 0.5 }
        const base = welch(x, options).psd
        const scaled = welch(x.map((v) => v * gain + offset), options).psd
        // Tolerance relative to the largest bin: rounding in the mean removal is all that may differ.
        const largest = Math.max(...base) * gain * gain
        for (let k = 0; k < base.length; k++) expect(Math.abs(scaled[k] - base[k] * gain * gain)).toBeLessThanOrEqual(1e-9 * largest + 1e-9)
      }),
      { numRuns: 50 }
    )
  })

  it('the engine gives identical updates for any cutting of the EEG stream into blocks', () => {
    const fs = 100
    const seconds = 12
    const samples = Float32Array.from({ length: fs * seconds * 2 }, (_, i) => 20 * Math.sin(i * 0.31) + 7 * Math.cos(i * 0.047))
    const t0 = 1_700_000_000_000
    const feed = (cuts: number[]) => {
      const engine = createFatigueEngine({ eeg: { channelNames: ['a', 'b'], sampleRateHz: fs } })
      const updates: unknown[] = []
      let first = 0
      let c = 0
      while (first < fs * seconds) {
        const n = Math.min(cuts[c++ % cuts.length], fs * seconds - first)
        const timestampsMs = Float64Array.from({ length: n }, (_, i) => t0 + ((first + i) * 1000) / fs)
        updates.push(...engine.pushEeg({ channelCount: 2, timestampsMs, samplesUv: samples.subarray(first * 2, (first + n) * 2) }).updates)
        first += n
      }
      updates.push(...engine.finish().updates)
      return JSON.stringify(updates)
    }
    const reference = feed([fs * seconds])
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (cuts) => {
        expect(feed(cuts)).toBe(reference)
      }),
      { numRuns: 15 }
    )
  })
})
