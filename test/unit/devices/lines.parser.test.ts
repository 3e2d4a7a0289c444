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

/** `count` CSV lines of `width` channels, values `<line>.<channel>` from line `from` on. */
const csv = (from: number, count: number, width: number) => Array.from({ length: count }, (_row, k) => Array.from({ length: width }, (_cell, c) => `${from + k}.${c + 1}`).join(','))

describe('line protocol layout after stream start', () => {

  it('takes a header only before the first sample: a later one is an event and changes nothing', () => {
    const state = createLinesParser()
    decodeLines(state, csv(0, 10, 3))
    expect(state.channelCount).toBe(3)
    const batch = decodeLines(state, ['Battery low', ...csv(10, 3, 3), 'Battery low'])
    expect(batch.count).toBe(3)
    expect(state.channelCount).toBe(3)
    expect(state.channelNames).toBeNull()
    // One event per distinct header, not one per repeat.
    expect(batch.events.filter((e) => e.name === 'layout_ignored')).toEqual([{ name: 'layout_ignored', atSample: 0, value: ['Battery', 'low'] }])
  })

  it('names unnamed channels from a later header of the same shape, and takes repeats silently', () => {
    const state = createLinesParser()
    decodeLines(state, csv(0, 10, 2))
    const named = decodeLines(state, ['C3,C4', ...csv(10, 2, 2)])
    expect(state.channelNames).toEqual(['C3', 'C4'])
    expect(named.events).toEqual([{ name: 'header', atSample: 0, value: ['C3', 'C4'] }])
    expect(decodeLines(state, ['C3,C4', ...csv(12, 2, 2)]).events).toEqual([])
    // Renaming named channels is a layout change, not a repeat.
    expect(decodeLines(state, ['O1,O2', ...csv(14, 1, 2)]).events.map((e) => e.name)).toEqual(['layout_ignored'])
    expect(state.channelNames).toEqual(['C3', 'C4'])
  })

  it('switches when 8 lines in a row fit the new header, keeping those lines, in a batch of their own', () => {
    const state = createLinesParser()
    decodeLines(state, ['Fp1,Fp2', ...csv(0, 10, 2)])
    const first = decodeLines(state, [...csv(10, 2, 2), 'C3,C4,Cz', ...csv(100, 9, 3)])
    // The old-shape samples end this batch; the switch waits for the next call.
    expect(first.channelCount).toBe(2)
    expect(first.count).toBe(2)
    const second = decodeLines(state, csv(109, 1, 3))
    expect(second.channelCount).toBe(3)
    expect(state.channelNames).toEqual(['C3', 'C4', 'Cz'])
    expect(second.events.map((e) => e.name)).toEqual(['header', 'layout_changed'])
    expect(rows(second).map((r) => Math.floor(r[0]))).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109])
  })

  it('follows lines that agree with each other but with no header, as a header-less start', () => {
    const state = createLinesParser()
    decodeLines(state, ['Fp1,Fp2', ...csv(0, 10, 2)])
    const batch = decodeLines(state, csv(50, 8, 4))
    expect(batch.channelCount).toBe(4)
    expect(batch.count).toBe(8)
    expect(state.channelNames).toBeNull()
    expect(batch.events.map((e) => e.name)).toContain('layout_changed')
  })

  it('reads only decimal numbers', () => {
    const state = createLinesParser()
    const batch = decodeLines(state, [...csv(0, 8, 2), '0x10,5', '0b1,2', 'Infinity,1', '1e3,-.5'])
    expect(rows(batch).at(-1)).toEqual([1000, -0.5])
    expect(batch.count).toBe(9)
  })
})
