import { describe, expect, it } from 'vitest'
import { createSimulatedEeg } from '../../../src/station/devices/simulated/simulated-eeg'
import { createFatigueEngine, type EngineOutput } from '../../../src/station/fatigue/engine'
import type { FatigueMetrics } from '../../../src/shared/schemas/fatigue'

const T0 = 1_700_000_000_000

/** Feeds `seconds` of generated samples in blocks of `blockSize`, returning everything the engine said. */
function run(
  engine: ReturnType<typeof createFatigueEngine>,
  channelCount: number,
  fs: number,
  seconds: number,
  generate: (count: number, firstIndex: number) => Float32Array,
  blockSize = 25
): EngineOutput {
  const out: EngineOutput = { updates: [], alerts: [] }
  const total = seconds * fs
  for (let first = 0; first < total; first += blockSize) {
    const n = Math.min(blockSize, total - first)
    const timestampsMs = new Float64Array(n)
    for (let i = 0; i < n; i++) timestampsMs[i] = T0 + ((first + i) * 1000) / fs
    const r = engine.pushEeg({ channelCount, timestampsMs, samplesUv: generate(n, first) })
    out.updates.push(...r.updates)
    out.alerts.push(...r.alerts)
  }
  const r = engine.finish()
  out.updates.push(...r.updates)
  out.alerts.push(...r.alerts)
  return out
}

describe('EEG fatigue analysis', () => {
  // One tone per channel, one channel per band, through the whole live chain (notch + band-pass + Welch).
  it.each([250, 1000])('recovers the band power of known sinusoids within 2 percent at %i Hz', (fs) => {
    const tones = [
      { band: 'delta', hz: 2.5, amplitudeUv: 20 },
      { band: 'theta', hz: 6, amplitudeUv: 12 },
      { band: 'alpha', hz: 10, amplitudeUv: 15 },
      { band: 'beta', hz: 20, amplitudeUv: 6 }
    ] as const
    const engine = createFatigueEngine({ eeg: { channelNames: ['a', 'b', 'c', 'd'], sampleRateHz: fs } })
    const { updates } = run(engine, 4, fs, 20, (n, first) => {
      const out = new Float32Array(n * 4)
      for (let i = 0; i < n; i++) {
        tones.forEach((tone, c) => {
          // Mains hum on top, which the notch must remove.
          out[i * 4 + c] = tone.amplitudeUv * Math.sin((2 * Math.PI * tone.hz * (first + i)) / fs) + 5 * Math.sin((2 * Math.PI * 50 * (first + i)) / fs)
        })
      }
      return out
    })
    const last = updates[updates.length - 1].eeg!
    expect(last.cleanFraction).toBe(1)
    tones.forEach((tone, c) => {
      const theory = tone.amplitudeUv ** 2 / 2
      const measured = last.channels[c].absoluteUv2![tone.band]
      expect(Math.abs(measured - theory) / theory).toBeLessThan(0.02)
    })
  })

  it('flags and leaves out blink-sized segments instead of averaging them in', () => {
    const fs = 250
    const engine = createFatigueEngine({ eeg: { channelNames: ['Fp1', 'O1'], sampleRateHz: fs } })
    const { updates } = run(engine, 2, fs, 20, (n, first) => {
      const out = new Float32Array(n * 2)
      for (let i = 0; i < n; i++) {
        const s = first + i
        const alpha = 10 * Math.sin((2 * Math.PI * 10 * s) / fs)
        // A 300 ms, 200 µV blink on Fp1 at 15 s.
        const inBlink = s >= 15 * fs && s < 15.3 * fs
        out[i * 2] = alpha + (inBlink ? 200 * Math.sin((Math.PI * (s - 15 * fs)) / (0.3 * fs)) : 0)
        out[i * 2 + 1] = alpha
      }
      return out
    })
    const last = updates[updates.length - 1].eeg!
    expect(last.rejectedAmplitude).toBeGreaterThan(0)
    expect(last.channels[0].cleanFraction).toBeLessThan(1)
    expect(last.channels[1].cleanFraction).toBe(1)
    // The clean segments of Fp1 still give the alpha power of the rhythm alone.
    expect(last.channels[0].absoluteUv2!.alpha).toBeCloseTo(50, 0)
  })

  it('sees the simulated subject tire: (θ+α)/β rises above the baseline and an eeg_fatigue alert follows', () => {
    const fs = 250
    const sim = createSimulatedEeg({ channelCount: 8, sampleRateHz: fs, seed: 11, fatigueRampMinutes: 4, lineNoiseHz: 50, blinkRatePerMin: 15 })
    const engine = createFatigueEngine({
      eeg: { channelNames: sim.channelNames, sampleRateHz: fs },
      baselineMs: 60_000,
      alerts: { eeg_fatigue: { warmupMs: 60_000 } }
    })
    const { updates, alerts } = run(engine, 8, fs, 240, (n) => sim.next(n))
    const ratioAt = (s: number) => updates.find((u) => u.tMs === T0 + s * 1000)!.eeg!.ratios!.thetaAlphaOverBeta
    const early = [20, 30, 40, 50].map(ratioAt)
    const late = [210, 220, 230, 240].map(ratioAt)
    expect(Math.min(...late)).toBeGreaterThan(2 * Math.max(...early))
    const last = updates[updates.length - 1] as FatigueMetrics
    expect(last.eeg!.baselineReady).toBe(true)
    expect(last.eeg!.zThetaAlphaOverBeta!).toBeGreaterThan(3)
    expect(last.eeg!.cleanFraction).toBeGreaterThan(0.5)
    // EEG alone is enough for a score.
    expect(last.components.eeg).toBe(1)
    expect(last.score).toBe(100)
    expect(last.level).toBe('severe')
    expect(alerts.map((a) => a.type)).toContain('eeg_fatigue')
    expect(alerts.every((a) => a.tMs >= T0 + 60_000)).toBe(true)
  })

  it('refuses a block with another channel count without disturbing its state', () => {
    const engine = createFatigueEngine({ eeg: { channelNames: ['a', 'b'], sampleRateHz: 250 } })
    const block = (channels: number, t: number) => ({ channelCount: channels, timestampsMs: Float64Array.of(T0 + t), samplesUv: new Float32Array(channels) })
    expect(() => engine.pushEeg(block(3, 0))).toThrow(RangeError)
    expect(engine.pushEeg(block(2, 4)).updates).toEqual([])
    expect(engine.finish().updates.map((u) => u.tMs)).toEqual([T0 + 1000])
  })

  it('gives the same updates whatever the block sizes (replay equals live)', () => {
    const fs = 250
    const make = () => createSimulatedEeg({ channelCount: 4, sampleRateHz: fs, seed: 3, fatigueRampMinutes: 1, lineNoiseHz: 50, blinkRatePerMin: 15 })
    const options = { eeg: { channelNames: ['Fp1', 'Fp2', 'C3', 'C4'], sampleRateHz: fs }, baselineMs: 20_000 }
    const simA = make()
    const a = run(createFatigueEngine(options), 4, fs, 40, (n) => simA.next(n), 10)
    const simB = make()
    const b = run(createFatigueEngine(options), 4, fs, 40, (n) => simB.next(n), 977)
    expect(a.updates.length).toBe(41)
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
  })
})
