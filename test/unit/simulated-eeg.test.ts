import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/station/config'
import { createSimulatedEeg } from '../../src/station/devices/simulated/simulated-eeg'

const sim = (over: Record<string, number> = {}) => ({ ...loadConfig({ env: {} }).device.simulated, ...over })

/** Power of one channel at `hz` by correlating with a sinusoid (Goertzel-like, whole seconds of data). */
function powerAt(samples: Float32Array, channelCount: number, channel: number, rateHz: number, hz: number): number {
  let re = 0
  let im = 0
  const n = samples.length / channelCount
  for (let i = 0; i < n; i++) {
    const phase = (2 * Math.PI * hz * i) / rateHz
    re += samples[i * channelCount + channel] * Math.cos(phase)
    im += samples[i * channelCount + channel] * Math.sin(phase)
  }
  return (re * re + im * im) / (n * n)
}

function bandPower(samples: Float32Array, channelCount: number, channel: number, rateHz: number, lo: number, hi: number): number {
  let total = 0
  for (let hz = lo; hz <= hi; hz += 0.5) total += powerAt(samples, channelCount, channel, rateHz, hz)
  return total
}

describe('simulated EEG', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = createSimulatedEeg(sim({ seed: 7 })).next(500)
    const b = createSimulatedEeg(sim({ seed: 7 })).next(500)
    const c = createSimulatedEeg(sim({ seed: 8 })).next(500)
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true)
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false)
  })

  it('gives the same samples whether produced in one call or many', () => {
    const whole = createSimulatedEeg(sim()).next(300)
    const gen = createSimulatedEeg(sim())
    const parts = [gen.next(7), gen.next(100), gen.next(193)]
    const joined = new Float32Array(300 * 8)
    let offset = 0
    for (const p of parts) {
      joined.set(p, offset)
      offset += p.length
    }
    expect(joined).toEqual(whole)
  })

  it('produces plausible EEG amplitudes in µV with configurable channels', () => {
    const gen = createSimulatedEeg(sim({ channelCount: 32, sampleRateHz: 1000 }))
    expect(gen.channelNames).toHaveLength(32)
    const data = gen.next(2000)
    const rms = Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length)
    expect(rms).toBeGreaterThan(3)
    expect(rms).toBeLessThan(80)
  })

  it('shows mains interference at the configured line frequency', () => {
    const data = createSimulatedEeg(sim({ lineNoiseHz: 60, blinkRatePerMin: 0 })).next(250 * 8)
    expect(powerAt(data, 8, 6, 250, 60)).toBeGreaterThan(10 * powerAt(data, 8, 6, 250, 55))
  })

  it('raises the (theta+alpha)/beta ratio as the simulated subject tires', () => {
    const rate = 250
    const gen = createSimulatedEeg(sim({ fatigueRampMinutes: 2, blinkRatePerMin: 0 }))
    const early = gen.next(rate * 8)
    gen.next(rate * 100)
    const late = gen.next(rate * 8)
    expect(gen.fatigueAt(0)).toBe(0)
    expect(gen.fatigueAt(rate * 120)).toBe(1)
    const ratio = (d: Float32Array) =>
      (bandPower(d, 8, 6, rate, 4, 7.5) + bandPower(d, 8, 6, rate, 8, 12.5)) / bandPower(d, 8, 6, rate, 13, 30)
    expect(ratio(late)).toBeGreaterThan(2 * ratio(early))
  })

  it('puts blink artefacts on frontal channels, not occipital ones', () => {
    const data = createSimulatedEeg(sim({ blinkRatePerMin: 60 })).next(250 * 20)
    const peak = (ch: number) => {
      let max = 0
      for (let i = ch; i < data.length; i += 8) max = Math.max(max, Math.abs(data[i]))
      return max
    }
    expect(peak(0)).toBeGreaterThan(80) // Fp1
    expect(peak(6)).toBeLessThan(60) // O1
  })
})
