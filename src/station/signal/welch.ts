/**
 * Welch power spectral density (one-sided, density scaling in µV²/Hz, like SciPy's `welch` with a
 * periodic Hann window and constant detrend), on fft.js's real transform. Segments shorter than a power
 * of two are zero-padded to the next one (finer bin spacing, same resolution).
 */
import FFT from 'fft.js'

export function nextPowerOfTwo(n: number): number {
  let p = 2
  while (p < n) p <<= 1
  return p
}

/** Periodic Hann window (SciPy `get_window('hann', n)`), the spectral-analysis variant. */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length)
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length)
  return w
}

/**
 * Periodograms of single segments with reusable buffers. One instance per segment length: the FFT
 * tables and window are built once.
 */
export interface Periodogram {
  readonly segmentLength: number
  readonly fftSize: number
  readonly sampleRateHz: number
  /** Bin spacing in Hz: sampleRateHz / fftSize. */
  readonly binHz: number
  /** Bins 0..fftSize/2 inclusive. */
  readonly binCount: number
  /**
   * One-sided PSD of `segmentLength` values starting at `offset` of `signal`, written to `out`
   * (length binCount). With `accumulate`, adds instead of overwriting (for averaging).
   */
  compute(signal: ArrayLike<number>, offset: number, out: Float64Array, accumulate?: boolean): void
}

export function createPeriodogram(segmentLength: number, sampleRateHz: number): Periodogram {
  const fftSize = nextPowerOfTwo(segmentLength)
  const fft = new FFT(fftSize)
  const window = hannWindow(segmentLength)
  let windowPower = 0
  for (let i = 0; i < segmentLength; i++) windowPower += window[i] * window[i]
  const scale = 1 / (sampleRateHz * windowPower)
  const input = new Float64Array(fftSize)
  const spectrum = fft.createComplexArray() as number[]
  const binCount = fftSize / 2 + 1
  return {
    segmentLength,
    fftSize,
    sampleRateHz,
    binHz: sampleRateHz / fftSize,
    binCount,
    compute(signal, offset, out, accumulate = false) {
      let mean = 0
      for (let i = 0; i < segmentLength; i++) mean += signal[offset + i]
      mean /= segmentLength
      for (let i = 0; i < segmentLength; i++) input[i] = (signal[offset + i] - mean) * window[i]
      fft.realTransform(spectrum, input)
      for (let k = 0; k < binCount; k++) {
        const re = spectrum[2 * k]
        const im = spectrum[2 * k + 1]
        // One-sided: every bin but DC and Nyquist carries the power of its negative twin too.
        const p = (re * re + im * im) * scale * (k === 0 || k === binCount - 1 ? 1 : 2)
        out[k] = accumulate ? out[k] + p : p
      }
    }
  }
}

export interface WelchOptions {
  sampleRateHz: number
  segmentLength: number
  /** Fraction of a segment shared with the next one (0.5 = 50%). */
  overlap: number
}

/** Welch PSD of a whole signal: the mean periodogram of its overlapping segments. */
export function welch(signal: ArrayLike<number>, options: WelchOptions): { psd: Float64Array; binHz: number; segments: number } {
  const periodogram = createPeriodogram(options.segmentLength, options.sampleRateHz)
  const step = Math.max(1, Math.round(options.segmentLength * (1 - options.overlap)))
  const psd = new Float64Array(periodogram.binCount)
  let segments = 0
  for (let offset = 0; offset + options.segmentLength <= signal.length; offset += step) {
    periodogram.compute(signal, offset, psd, segments > 0)
    segments++
  }
  if (segments > 0) for (let k = 0; k < psd.length; k++) psd[k] /= segments
  return { psd, binHz: periodogram.binHz, segments }
}

/**
 * Integral of a PSD between two frequencies, treating it as piecewise linear between bins (the
 * trapezoid rule, with the edges interpolated), so adjacent bands add up exactly to their union.
 */
export function integrateBand(psd: ArrayLike<number>, binHz: number, lowHz: number, highHz: number): number {
  const last = (psd.length - 1) * binHz
  const lo = Math.max(0, lowHz)
  const hi = Math.min(last, highHz)
  if (hi <= lo) return 0
  const valueAt = (f: number): number => {
    const x = f / binHz
    const k = Math.min(psd.length - 2, Math.floor(x))
    const frac = x - k
    return psd[k] * (1 - frac) + psd[k + 1] * frac
  }
  let total = 0
  let f0 = lo
  let v0 = valueAt(lo)
  for (let k = Math.floor(lo / binHz) + 1; k * binHz < hi; k++) {
    const f1 = k * binHz
    const v1 = psd[k]
    total += ((v0 + v1) / 2) * (f1 - f0)
    f0 = f1
    v0 = v1
  }
  total += ((v0 + valueAt(hi)) / 2) * (hi - f0)
  return total
}
