/**
 * CPU cost of the fatigue engine's EEG path per update (1 Hz): notch + band-pass on every sample, Welch
 * PSD (8-s window, 2-s Hann segments, 50% overlap) with artefact checks, band powers, ratios, fusion and
 * alert machines. Cases: 8 channels × 250 Hz and 32 × 1000 Hz (target < 5% of one core). Baseline in the
 * same run: fft.js doing only the real FFTs of one Welch window per update (7 per channel), so the ratio
 * shows the engine's whole cost against its core transform. The engine itself reuses the spectra of
 * overlapping segments between updates and transforms only about one new segment per channel.
 */
import FFT from 'fft.js'
import { createSimulatedEeg } from '../src/station/devices/simulated/simulated-eeg'
import { createFatigueEngine } from '../src/station/fatigue/engine'
import { nextPowerOfTwo } from '../src/station/signal/welch'

const WARMUP_S = 20
const MEASURED_S = 60
const BLOCK_MS = 40 // what a serial driver hands over about 25 times a second

interface Case {
  channels: number
  sampleRateHz: number
}

function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function runCase({ channels, sampleRateHz }: Case): void {
  const sim = createSimulatedEeg({ channelCount: channels, sampleRateHz, seed: 1, fatigueRampMinutes: 5, lineNoiseHz: 50, blinkRatePerMin: 15 })
  const total = (WARMUP_S + MEASURED_S) * sampleRateHz
  const samples = sim.next(total)
  const t0 = Date.UTC(2026, 0, 1)
  const timestamps = Float64Array.from({ length: total }, (_, i) => t0 + (i * 1000) / sampleRateHz)
  const engine = createFatigueEngine({ eeg: { channelNames: sim.channelNames, sampleRateHz }, baselineMs: 10_000 })
  const block = Math.round((BLOCK_MS * sampleRateHz) / 1000)
  let updates = 0
  let measuredUpdates = 0
  let startCpu = 0
  let startWall = 0
  for (let first = 0; first < total; first += block) {
    if (first >= WARMUP_S * sampleRateHz && startCpu === 0) {
      startCpu = cpuMs()
      startWall = performance.now()
      measuredUpdates = updates
    }
    const n = Math.min(block, total - first)
    const out = engine.pushEeg({
      channelCount: channels,
      timestampsMs: timestamps.subarray(first, first + n),
      samplesUv: samples.subarray(first * channels, (first + n) * channels)
    })
    updates += out.updates.length
  }
  const engineCpu = cpuMs() - startCpu
  const engineWall = performance.now() - startWall
  measuredUpdates = updates - measuredUpdates

  // Baseline: the FFTs alone (7 segments per channel per update), on the same data.
  const segment = 2 * sampleRateHz
  const fftSize = nextPowerOfTwo(segment)
  const fft = new FFT(fftSize)
  const input = new Float64Array(fftSize)
  const spectrum = fft.createComplexArray() as number[]
  const segmentsPerUpdate = 7
  const fftStart = cpuMs()
  let sink = 0
  for (let u = 0; u < measuredUpdates; u++) {
    for (let c = 0; c < channels; c++) {
      for (let s = 0; s < segmentsPerUpdate; s++) {
        const offset = ((u * sampleRateHz + s * (segment / 2)) % (total - segment)) * channels
        for (let i = 0; i < segment; i++) input[i] = samples[offset + i * channels + c]
        fft.realTransform(spectrum, input)
        sink += spectrum[2]
      }
    }
  }
  const fftCpu = cpuMs() - fftStart

  const perUpdate = engineCpu / measuredUpdates
  const fftPerUpdate = fftCpu / measuredUpdates
  const coreShare = engineCpu / (MEASURED_S * 1000)
  console.log(
    `${String(channels).padStart(2)} ch × ${String(sampleRateHz).padStart(4)} Hz: engine ${perUpdate.toFixed(2)} ms CPU per update ` +
      `(${measuredUpdates} updates, ${(coreShare * 100).toFixed(2)}% of one core, wall ${(engineWall / measuredUpdates).toFixed(2)} ms); ` +
      `raw fft.js ${fftPerUpdate.toFixed(2)} ms for one window's ${channels * segmentsPerUpdate} FFTs of ${fftSize}; ratio ${(perUpdate / fftPerUpdate).toFixed(1)}×` +
      (channels === 32 ? `; target < 5% of one core: ${coreShare < 0.05 ? 'met' : 'NOT met'}` : '')
  )
  // Using the FFT output keeps the baseline loop from being optimised away.
  if (!Number.isFinite(sink)) throw new Error('baseline FFT produced a non-finite value')
}

console.log(`fatigue engine, ${MEASURED_S} s of simulated EEG after ${WARMUP_S} s of warm-up, blocks of ${BLOCK_MS} ms`)
for (const c of [{ channels: 8, sampleRateHz: 250 }, { channels: 32, sampleRateHz: 1000 }]) runCase(c)
