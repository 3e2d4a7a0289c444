import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createThinkGearParser,
  decodeThinkGear,
  encodeThinkGearMetrics,
  encodeThinkGearPacket,
  encodeThinkGearRaw,
  thinkGearChecksum,
  THINKGEAR_RAW_UV_PER_COUNT,
  type ThinkGearParserState
} from '../../../src/station/devices/thinkgear/thinkgear.parser'
import type { DecodedEvent } from '../../../src/station/devices/protocol'

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function decodeAll(state: ThinkGearParserState, chunks: Uint8Array[]): { raw: number[]; events: DecodedEvent[] } {
  const raw: number[] = []
  const events: DecodedEvent[] = []
  for (const chunk of chunks) {
    const batch = decodeThinkGear(state, chunk)
    for (const e of batch.events) events.push({ ...e, atSample: e.atSample + raw.length })
    for (let i = 0; i < batch.count; i++) raw.push(Math.round(batch.samplesUv[i] / THINKGEAR_RAW_UV_PER_COUNT))
  }
  return { raw, events }
}

describe('ThinkGear parser', () => {
  it('matches the checksum examples of the protocol document', () => {
    expect(thinkGearChecksum([0x80, 0x02, 0x00, 0x6b])).toBe(0x12)
    expect(Array.from(encodeThinkGearRaw(0x6b))).toEqual([0xaa, 0xaa, 0x04, 0x80, 0x02, 0x00, 0x6b, 0x12])
  })

  it('decodes raw wave as signed 16-bit big-endian and scales it to µV', () => {
    const state = createThinkGearParser()
    const batch = decodeThinkGear(state, concat([encodeThinkGearRaw(-2048), encodeThinkGearRaw(2047), encodeThinkGearRaw(0x6b)]))
    expect(batch.count).toBe(3)
    // The parser's own count of raw samples: the timeline sizes gaps with it.
    expect(Array.from(batch.counters!)).toEqual([0, 1, 2])
    expect(batch.samplesUv[0]).toBeCloseTo(-2048 * THINKGEAR_RAW_UV_PER_COUNT, 3)
    expect(THINKGEAR_RAW_UV_PER_COUNT).toBeCloseTo(0.2197, 4)
    expect(batch.samplesUv[1]).toBeCloseTo(2047 * THINKGEAR_RAW_UV_PER_COUNT, 3)
    expect(batch.samplesUv[2]).toBeCloseTo(107 * THINKGEAR_RAW_UV_PER_COUNT, 3)
  })

  it('reports poor signal, attention, meditation and ASIC band powers (3-byte big-endian)', () => {
    const bands = [0x010203, 5, 6, 7, 8, 9, 10, 0xffffff]
    const { events } = decodeAll(createThinkGearParser(), [concat([encodeThinkGearRaw(1), encodeThinkGearMetrics(200, 55, 66, bands)])])
    expect(events.map((e) => [e.name, e.value, e.atSample])).toEqual([
      ['poor_signal', 200, 1],
      ['band_powers', bands, 1],
      ['attention', 55, 1],
      ['meditation', 66, 1]
    ])
  })

  it('skips unknown codes by their length and tolerates 0x55 extended-code prefixes', () => {
    const payload = [0x55, 0x04, 0x09, 0x90, 0x03, 1, 2, 3, 0x04, 77]
    const { events } = decodeAll(createThinkGearParser(), [encodeThinkGearPacket(payload), encodeThinkGearRaw(0)])
    expect(events.map((e) => [e.name, e.value])).toEqual([['attention', 77]])
  })

  it('treats a third sync byte as sync and rejects bad checksums, then resyncs on the next packet', () => {
    const bad = encodeThinkGearRaw(5)
    bad[bad.length - 1] ^= 0xff
    const state = createThinkGearParser()
    const { raw } = decodeAll(state, [concat([Uint8Array.of(0xaa), encodeThinkGearRaw(1), bad, encodeThinkGearRaw(2)])])
    expect(raw).toEqual([1, 2])
    expect(state.stats.badFrames).toBe(1)
  })

  const rawsArb = fc.array(fc.integer({ min: -2048, max: 2047 }), { minLength: 1, maxLength: 60 })

  it('gives the same samples however the stream is split (every offset)', () => {
    fc.assert(
      fc.property(rawsArb, (raws) => {
        const bytes = concat(raws.map(encodeThinkGearRaw).concat(encodeThinkGearMetrics(0, 1, 2, [1, 2, 3, 4, 5, 6, 7, 8])))
        const whole = decodeAll(createThinkGearParser(), [bytes])
        expect(whole.raw).toEqual(raws)
        for (let cut = 0; cut <= bytes.length; cut++) {
          expect(decodeAll(createThinkGearParser(), [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole)
        }
      }),
      { numRuns: 15 }
    )
  })

  it('loses only damaged packets when garbage and truncations are mixed in', () => {
    fc.assert(
      fc.property(
        rawsArb,
        fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('garbage', 'truncate', 'dup', 'drop'), bytes: fc.uint8Array({ minLength: 1, maxLength: 30 }), keep: fc.integer({ min: 1, max: 7 }) }), { maxLength: 5 }),
        (raws, faults) => {
          const parts: Array<{ bytes: Uint8Array; raw: number | null }> = raws.map((r) => ({ bytes: encodeThinkGearRaw(r), raw: r }))
          for (const f of faults) {
            const k = f.at % parts.length
            if (f.kind === 'garbage') parts.splice(k, 0, { bytes: Uint8Array.from(f.bytes.filter((b) => b !== 0xaa)), raw: null })
            else if (f.kind === 'truncate') parts[k] = { bytes: parts[k].bytes.subarray(0, f.keep), raw: null }
            else if (f.kind === 'dup') parts.splice(k, 0, parts[k])
            else parts.splice(k, 1)
            if (parts.length === 0) return
          }
          // The stream goes on after the faults (as a live one does): a damaged length byte near the end
          // claims up to 170 bytes, and the parser rightly waits for them before it can reject the packet.
          const tail = Array.from({ length: 22 }, (_, k) => ({ bytes: encodeThinkGearRaw(k), raw: k }))
          parts.push(...tail)
          const state = createThinkGearParser()
          const { raw } = decodeAll(state, [concat(parts.map((p) => p.bytes))])
          const intact = parts.filter((p) => p.raw !== null).map((p) => p.raw)
          // Only a truncated packet completed by the bytes after it can pass the 1-byte checksum by
          // chance (1 in 256) and invent a sample, or swallow the start of the next packet.
          const truncations = faults.filter((f) => f.kind === 'truncate').length
          let e = 0
          let matched = 0
          let invented = 0
          for (const r of raw) {
            const at = intact.indexOf(r, e)
            if (at < 0) {
              invented++
              continue
            }
            matched++
            e = at + 1
          }
          expect(invented).toBeLessThanOrEqual(truncations)
          expect(intact.length - matched).toBeLessThanOrEqual(2 * truncations)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('never throws on random bytes and accounts for every byte', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const state = createThinkGearParser()
        for (const chunk of chunks) decodeThinkGear(state, chunk)
        expect(state.carryLength).toBeLessThanOrEqual(173)
      }),
      { numRuns: 300 }
    )
  })
})
