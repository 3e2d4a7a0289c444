import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createStreamTimeline, type TimelineResult } from '../../../src/station/devices/timing/stream-timeline'

/** Feeds counters in bursts as an FTDI adapter would: every `burstMs`, all samples due by then. */
function feed(options: { rateHz: number; modulus: number | null; seconds: number; burstMs: number; lose?: (index: number) => boolean; clockRatio?: number; jitterMs?: (k: number) => number }) {
  const timeline = createStreamTimeline({ sampleRateHz: options.rateHz, counterModulus: options.modulus })
  const results: Array<TimelineResult & { arrival: number }> = []
  const total = options.seconds * options.rateHz
  const period = (1000 / options.rateHz) * (options.clockRatio ?? 1)
  let next = 0
  for (let k = 1; next < total; k++) {
    const arrival = 1000 + k * options.burstMs + (options.jitterMs?.(k) ?? 0)
    const counters: number[] = []
    while (next < total && next * period <= k * options.burstMs) {
      if (!options.lose?.(next)) counters.push(options.modulus ? next % options.modulus : 0)
      next++
    }
    if (counters.length === 0) continue
    const r = timeline.ingest({ count: counters.length, counters: options.modulus ? Int32Array.from(counters) : null }, arrival)
    results.push({ ...r, arrival })
  }
  return { timeline, results }
}

function stamps(results: TimelineResult[]): Array<[number, number]> {
  return results.flatMap((r) => r.segments.flatMap((s) => Array.from(s.timestampsMonoMs, (t, k) => [s.firstSeq + k, t] as [number, number])))
}

const lostInCounterTest = (i: number) => (i >= 1000 && i < 1003) || (i >= 3000 && i < 3600)
const lostInCounterlessTest = (i: number) => i >= 2048 && i < 3072

describe('stream timeline', () => {
  it('spreads FTDI bursts into evenly spaced, strictly increasing stamps', () => {
    const { results } = feed({ rateHz: 250, modulus: 256, seconds: 20, burstMs: 16, jitterMs: (k) => (k * 7919) % 5 })
    const all = stamps(results)
    const steps = all.slice(1).map(([, t], i) => t - all[i][1])
    expect(Math.min(...steps)).toBeGreaterThan(0)
    // After the fit settles, steps are 4 ms to well under 0.1 ms although data arrived 4 at a time.
    const lateErrors = steps.slice(-1000).map((d) => Math.abs(d - 4))
    expect(Math.max(...lateErrors)).toBeLessThan(0.1)
  })

  it('follows a device clock that runs 0.5 % fast', () => {
    const { timeline } = feed({ rateHz: 250, modulus: 256, seconds: 60, burstMs: 16, clockRatio: 1.005 })
    expect(timeline.periodMs).toBeCloseTo(4 * 1.005, 2)
  })

  it('turns counter jumps into gaps, unwrapping multi-wrap losses with the host clock', () => {
    // 3 samples lost at 1000, then 600 (more than two 256-wraps) at 3000.
    const lost = lostInCounterTest
    const { results } = feed({ rateHz: 250, modulus: 256, seconds: 20, burstMs: 16, lose: lost })
    const gaps = results.flatMap((r) => r.gaps)
    expect(gaps).toEqual([
      { afterSeq: 999, size: 3 },
      { afterSeq: 2999, size: 600 }
    ])
    const seqs = stamps(results).map(([seq]) => seq)
    expect(seqs).toEqual(Array.from({ length: 5000 }, (_, i) => i).filter((i) => !lost(i)))
  })

  it('detects long gaps without a counter from the sample rate', () => {
    const lost = lostInCounterlessTest
    const { results } = feed({ rateHz: 512, modulus: null, seconds: 10, burstMs: 20, lose: lost })
    const gaps = results.flatMap((r) => r.gaps)
    expect(gaps).toHaveLength(1)
    expect(Math.abs(gaps[0].size - 1024)).toBeLessThanOrEqual(12)
  })

  it('drops duplicated samples and keeps every original sequence number (fuzzed)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('keep', 'keep', 'keep', 'drop', 'dup'), { minLength: 50, maxLength: 400 }), (fate) => {
        const timeline = createStreamTimeline({ sampleRateHz: 250, counterModulus: 256 })
        const sent: number[] = []
        fate.forEach((f, i) => {
          if (f === 'keep') sent.push(i)
          if (f === 'dup') sent.push(i, i)
        })
        if (sent.length === 0) return
        const seqs: number[] = []
        for (let start = 0; start < sent.length; start += 4) {
          const part = sent.slice(start, start + 4)
          const r = timeline.ingest({ count: part.length, counters: Int32Array.from(part, (i) => i % 256) }, part[part.length - 1] * 4)
          for (const s of r.segments) for (let k = 0; k < s.count; k++) seqs.push(s.firstSeq + k)
        }
        const first = sent[0]
        expect(seqs).toEqual([...new Set(sent)].map((i) => i - first))
      }),
      { numRuns: 200 }
    )
  })
})
