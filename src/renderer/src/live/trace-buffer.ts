/**
 * Fixed-size ring buffers for the EEG traces: one Float32Array per channel holding the last
 * `windowS` seconds. Memory is allocated once per (channels, rate) and never grows, however long the
 * session runs. The running sum per channel lets the renderer remove DC offset in O(1) per sample.
 */
export class TraceBuffer {
  readonly channelCount: number
  readonly sampleRateHz: number
  readonly capacity: number
  readonly channels: Float32Array[]
  /** Samples written since creation; sample `n` lives at index `n % capacity`. */
  written = 0
  private readonly sums: Float64Array

  constructor(channelCount: number, sampleRateHz: number, windowS: number) {
    this.channelCount = channelCount
    this.sampleRateHz = sampleRateHz
    this.capacity = Math.max(1, Math.round(sampleRateHz * windowS))
    this.channels = Array.from({ length: channelCount }, () => new Float32Array(this.capacity))
    this.sums = new Float64Array(channelCount)
  }

  /** Appends interleaved samples (`values[i * channelCount + c]`, µV). */
  push(values: ArrayLike<number>, sampleCount: number): void {
    const { channelCount, capacity } = this
    for (let i = 0; i < sampleCount; i++) {
      const slot = (this.written + i) % capacity
      const isFull = this.written + i >= capacity
      for (let c = 0; c < channelCount; c++) {
        const value = values[i * channelCount + c]
        const safe = Number.isFinite(value) ? value : 0
        const channel = this.channels[c]
        if (isFull) this.sums[c] -= channel[slot]
        channel[slot] = safe
        this.sums[c] += safe
      }
    }
    this.written += sampleCount
    // Floating-point drift in the running sums: recompute now and then (cheap relative to a window).
    if (this.written % (capacity * 16) < sampleCount) this.recomputeSums()
  }

  /** Appends samples given per channel (`columns[c][i]`). */
  pushColumns(columns: ArrayLike<number>[], sampleCount: number): void {
    const interleaved = new Float32Array(sampleCount * this.channelCount)
    for (let c = 0; c < this.channelCount; c++) {
      const column = columns[c]
      if (!column) continue
      for (let i = 0; i < sampleCount; i++) interleaved[i * this.channelCount + c] = column[i]
    }
    this.push(interleaved, sampleCount)
  }

  /** Mean of the samples currently held for a channel (the DC offset to subtract when drawing). */
  mean(channel: number): number {
    const held = Math.min(this.written, this.capacity)
    return held ? this.sums[channel] / held : 0
  }

  /** Value of absolute sample `n` (must be within the last `capacity` samples). */
  at(channel: number, n: number): number {
    return this.channels[channel][n % this.capacity]
  }

  private recomputeSums(): void {
    const held = Math.min(this.written, this.capacity)
    for (let c = 0; c < this.channelCount; c++) {
      let sum = 0
      const channel = this.channels[c]
      for (let i = 0; i < held; i++) sum += channel[i]
      this.sums[c] = sum
    }
  }
}

/** A fixed-capacity ring of (time, value) points for slow series such as the fatigue score. */
export class PointRing {
  readonly times: Float64Array
  readonly values: Float32Array
  written = 0

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity)
    this.values = new Float32Array(capacity)
  }

  push(timeMs: number, value: number): void {
    const slot = this.written % this.capacity
    this.times[slot] = timeMs
    this.values[slot] = value
    this.written += 1
  }

  get size(): number {
    return Math.min(this.written, this.capacity)
  }

  /** The i-th oldest held point. */
  point(i: number): [number, number] {
    const slot = (this.written - this.size + i) % this.capacity
    return [this.times[slot], this.values[slot]]
  }

  latest(): [number, number] | null {
    return this.size ? this.point(this.size - 1) : null
  }
}
