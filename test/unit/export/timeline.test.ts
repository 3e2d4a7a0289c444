import { describe, expect, it } from 'vitest'
import { buildTimeline, type SampleBatch } from '../../../src/station/export/timeline'

/** One channel; value = seq, so ranges are easy to predict. */
function batch(rows: [seq: number, tMs: number][]): SampleBatch {
  return {
    seqs: Float64Array.from(rows.map((r) => r[0])),
    timestampsMs: Float64Array.from(rows.map((r) => r[1])),
    valuesUv: Float32Array.from(rows.map((r) => r[0]))
  }
}

function steady(firstSeq: number, count: number, t0: number, periodMs: number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [firstSeq + i, t0 + i * periodMs])
}

describe('export timeline', () => {
  it('gives consecutive samples consecutive slots and a dropped stretch its length in slots', () => {
    const rows = [...steady(10, 100, 1000, 10), ...steady(150, 50, 2400, 10)]
    const t = buildTimeline([batch(rows.slice(0, 60)), batch(rows.slice(60))], 100, 1)
    expect(t.sampleCount).toBe(150)
    expect(t.runs).toEqual([
      { firstSeq: 10, lastSeq: 109, firstSlot: 0 },
      { firstSeq: 150, lastSeq: 199, firstSlot: 140 }
    ])
    expect(t.gaps).toEqual([{ slot: 100, slotCount: 40, droppedSamples: 40, timestampMs: 2000 }])
    expect(t.slotCount).toBe(190)
    expect(t.slotOf(150)).toBe(140)
    expect(() => t.slotOf(120)).toThrow()
    expect(t.ranges).toEqual([{ minUv: 10, maxUv: 199 }])
    expect(t.lastSeq).toBe(199)
  })

  it('treats a jump in time with consecutive seq as a reconnect gap sized by the timestamps', () => {
    const rows = [...steady(0, 100, 0, 10), ...steady(100, 100, 1000 + 3000, 10)]
    const t = buildTimeline([batch(rows)], 100, 1)
    expect(t.gaps).toEqual([{ slot: 100, slotCount: 300, droppedSamples: 0, timestampMs: 1000 }])
    expect(t.slotOf(100)).toBe(400)
  })

  it('maps wall-clock times through the samples’ own timestamps, so a drifting headset clock does not shift events', () => {
    // The headset runs 1% fast: 100 nominal samples per 990 ms of host time.
    const rows = steady(0, 1000, 0, 9.9)
    const t = buildTimeline([batch(rows)], 100, 1, { anchorEverySamples: 100 })
    // Host time 4950 ms is sample 500, which is 5.000 s into the file.
    expect(t.fileTimeOf(4950)).toBeCloseTo(5, 6)
    expect(t.fileTimeOf(-100)).toBeCloseTo(-0.1, 6)
    // After the last sample: extrapolated on the host clock.
    expect(t.fileTimeOf(999 * 9.9 + 1000)).toBeCloseTo(9.99 + 1, 6)
  })

  it('places an event inside a gap after the last sample before it, never after the next run starts', () => {
    const rows = [...steady(0, 100, 0, 10), ...steady(200, 100, 2000, 10)]
    const t = buildTimeline([batch(rows)], 100, 1)
    expect(t.fileTimeOf(1500)).toBeCloseTo(1.5, 6)
    const reconnect = buildTimeline([batch([...steady(0, 100, 0, 10), ...steady(100, 100, 5000, 10)])], 100, 1)
    // Reconnect gap of 4 s sized by timestamps: the second run starts at slot 500.
    expect(reconnect.fileTimeOf(4000)).toBeCloseTo(4, 6)
    expect(reconnect.fileTimeOf(5000)).toBeCloseTo(5, 6)
  })

  it('ignores NaN and infinities in the ranges and reports an empty timeline', () => {
    const b = batch(steady(0, 3, 0, 10))
    b.valuesUv.set([Number.NaN, Number.POSITIVE_INFINITY, -5])
    const t = buildTimeline([b], 100, 1)
    expect(t.ranges).toEqual([{ minUv: -5, maxUv: -5 }])
    const empty = buildTimeline([], 250, 2)
    expect(empty.sampleCount).toBe(0)
    expect(empty.firstTimestampMs).toBeNull()
    expect(empty.ranges).toEqual([
      { minUv: 0, maxUv: 0 },
      { minUv: 0, maxUv: 0 }
    ])
  })
})
