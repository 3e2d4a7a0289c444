import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { COUNTER_PROBE_LINES, createLinesParser, decodeLines } from '../../../src/station/devices/lines/lines.parser'

const rows = (batch: { count: number; channelCount: number; samplesUv: Float32Array }) =>
  Array.from({ length: batch.count }, (_, i) => Array.from(batch.samplesUv.subarray(i * batch.channelCount, (i + 1) * batch.channelCount)))

describe('line protocol parser', () => {
  it('reads CSV with a counter header, tolerating CRLF', () => {
    const state = createLinesParser()
    const batch = decodeLines(state, ['n,Fp1,Fp2\r', '7,1.5,-2\r', '8,3,4.25\r'])
    expect(state.channelNames).toEqual(['Fp1', 'Fp2'])
    expect(state.hasCounter).toBe(true)
    expect(Array.from(batch.counters!)).toEqual([7, 8])
    expect(rows(batch)).toEqual([[1.5, -2], [3, 4.25]])
    expect(batch.events[0]).toMatchObject({ name: 'header', value: ['Fp1', 'Fp2'], atSample: 0 })
  })

  it('reads header-less CSV and whitespace-separated values, holding the first 8 lines to probe for a counter', () => {
    const state = createLinesParser()
    expect(decodeLines(state, ['12.5', '-3.25', '']).count).toBe(0)
    const batch = decodeLines(state, ['1', '2', '3', '4', '5', '6'])
    expect(batch.channelCount).toBe(1)
    expect(batch.counters).toBeNull()
    expect(rows(batch)).toEqual([[12.5], [-3.25], [1], [2], [3], [4], [5], [6]])
    const tabbed = decodeLines(createLinesParser(), Array.from({ length: COUNTER_PROBE_LINES }, () => '1\t2 3'))
    expect(rows(tabbed)[0]).toEqual([1, 2, 3])
  })

  it('recognises a leading counter without a header (counting up, wrapping to 0)', () => {
    const state = createLinesParser()
    const lines = [253, 254, 255, 0, 1, 2, 3, 4, 5].map((n) => `${n},${n * 2},7`)
    const batch = decodeLines(state, lines)
    expect(state.hasCounter).toBe(true)
    expect(Array.from(batch.counters!)).toEqual([253, 254, 255, 0, 1, 2, 3, 4, 5])
    expect(rows(batch)[3]).toEqual([0, 7])
  })

  it('lets a late header settle the layout of the lines held so far', () => {
    const state = createLinesParser()
    const batch = decodeLines(state, ['5,1,2', '6,3,4', 'n,C3,C4', '7,5,6'])
    expect(state.channelNames).toEqual(['C3', 'C4'])
    expect(Array.from(batch.counters!)).toEqual([5, 6, 7])
    expect(rows(batch)).toEqual([[1, 2], [3, 4], [5, 6]])
  })

  it('reads JSON lines with a channels header and seq', () => {
    const state = createLinesParser()
    const batch = decodeLines(state, ['{"channels":["C3","C4"],"sampleRateHz":256}', '{"seq":1,"values":[1,2]}', '{"seq":2,"values":[3,4]}'])
    expect(state.channelNames).toEqual(['C3', 'C4'])
    expect(state.sampleRateHz).toBe(256)
    expect(Array.from(batch.counters!)).toEqual([1, 2])
    expect(rows(batch)).toEqual([[1, 2], [3, 4]])
  })

  it('reads settings comments', () => {
    const state = createLinesParser()
    decodeLines(state, ['# sample_rate_hz=256 full_scale_uv=1650'])
    expect(state.sampleRateHz).toBe(256)
    expect(state.fullScaleUv).toBe(1650)
  })

  it('counts malformed lines and lines of the wrong width as bad frames', () => {
    const state = createLinesParser()
    const batch = decodeLines(state, ['a,b', '1,2', '1,2,3', 'abc,1', '{"values":[1,"x"]}', '{broken', '3,4'])
    expect(rows(batch)).toEqual([[1, 2], [3, 4]])
    expect(state.stats.badFrames).toBe(4)
  })

  it('never throws on arbitrary text and keeps every sample the declared width', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.array(fc.double({ noNaN: true }), { maxLength: 5 }).map((v) => v.join(',')), fc.json()), { maxLength: 30 }), (lines) => {
        const state = createLinesParser()
        const batch = decodeLines(state, lines)
        expect(batch.samplesUv.length).toBe(batch.count * batch.channelCount)
        expect(batch.count + state.stats.badFrames + state.probe.length).toBeLessThanOrEqual(lines.length)
      }),
      { numRuns: 300 }
    )
  })
})
