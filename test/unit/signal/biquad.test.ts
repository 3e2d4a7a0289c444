import { describe, expect, it } from 'vitest'
import { butterworthHighPass, butterworthLowPass, butterworthQs, cascadeGain, createChannelFilter, filtfilt, notch } from '../../../src/station/signal/biquad'

const FS = 250

function rms(values: ArrayLike<number>, from: number): number {
  let sum = 0
  for (let i = from; i < values.length; i++) sum += values[i] ** 2
  return Math.sqrt(sum / (values.length - from))
}

function peak(arr: ArrayLike<number>, from: number, to: number): number {
  let best = from
  for (let i = from; i < to; i++) if (arr[i] > arr[best]) best = i
  return best
}

describe('biquad filters', () => {
  it('uses the Butterworth section Qs', () => {
    expect(butterworthQs(2)[0]).toBeCloseTo(Math.SQRT1_2, 12)
    const [q1, q2] = butterworthQs(4)
    expect(q1).toBeCloseTo(0.5412, 4)
    expect(q2).toBeCloseTo(1.3066, 4)
  })

  it('has the Butterworth magnitude response: -3 dB at the cutoff, flat in the pass band', () => {
    const lp = butterworthLowPass(FS, 45, 4)
    expect(cascadeGain(lp, FS, 45)).toBeCloseTo(Math.SQRT1_2, 3)
    expect(cascadeGain(lp, FS, 10)).toBeCloseTo(1, 4)
    const hp = butterworthHighPass(FS, 0.5, 4)
    expect(cascadeGain(hp, FS, 0.5)).toBeCloseTo(Math.SQRT1_2, 3)
    expect(cascadeGain(hp, FS, 4)).toBeCloseTo(1, 4)
  })

  it('removes mains hum with the notch and keeps a 10 Hz rhythm', () => {
    const filter = createChannelFilter([notch(FS, 50, 30)], 1)
    const n = FS * 10
    const hum = new Float64Array(n)
    const alpha = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      hum[i] = 20 * Math.sin((2 * Math.PI * 50 * i) / FS)
      alpha[i] = 20 * Math.sin((2 * Math.PI * 10 * i) / FS)
    }
    filter.process(hum, hum)
    filter.reset()
    filter.process(alpha, alpha)
    expect(rms(hum, FS * 5)).toBeLessThan(0.2)
    expect(rms(alpha, FS * 5)).toBeCloseTo(20 / Math.SQRT2, 1)
  })

  it('filters interleaved channels independently and the same whatever the block boundaries', () => {
    const sections = [notch(FS, 50, 30), ...butterworthHighPass(FS, 0.5, 4)]
    const n = 1000
    const data = new Float32Array(n * 2)
    for (let i = 0; i < n; i++) {
      data[2 * i] = Math.sin(i / 7) * 30
      data[2 * i + 1] = i % 13
    }
    const whole = new Float64Array(data.length)
    createChannelFilter(sections, 2).process(data, whole)
    const pieces = new Float64Array(data.length)
    const filter = createChannelFilter(sections, 2)
    for (const [a, b] of [[0, 34], [34, 1000], [1000, 2000]]) {
      const out = new Float64Array(b - a)
      filter.process(data.subarray(a, b), out)
      pieces.set(out, a)
    }
    expect(Array.from(pieces)).toEqual(Array.from(whole))
    const single = new Float64Array(n)
    createChannelFilter(sections, 1).process(data.filter((_, i) => i % 2 === 1), single)
    expect(single[n - 1]).toBeCloseTo(whole[2 * n - 1], 9)
  })

  it('filtfilt is zero-phase: a slow sine keeps its peaks in place', () => {
    const n = 2000
    const fs = 50
    const x = Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 0.2 * i) / fs))
    const y = filtfilt(butterworthLowPass(fs, 0.6, 2), x)
    // Peak of the 0.2 Hz sine at i = 62.5 + 250k samples.
    expect(Math.abs(peak(y, 800, 1050) - peak(x, 800, 1050))).toBeLessThanOrEqual(1)
  })
})
