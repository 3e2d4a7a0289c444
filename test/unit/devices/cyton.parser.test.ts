import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CYTON_PACKET_BYTES,
  createCytonParser,
  cytonScaleUv,
  decodeCyton,
  encodeCytonPacket,
  setCytonGain,
  type CytonParserState
} from '../../../src/station/devices/cyton/cyton.parser'
import type { DecodedBatch } from '../../../src/station/devices/protocol'

interface Packet {
  counter: number
  counts: number[]
}

function stream(packets: Packet[]): Uint8Array {
  const out = new Uint8Array(packets.length * CYTON_PACKET_BYTES)
  packets.forEach((p, k) => encodeCytonPacket({ counter: p.counter, counts: p.counts }, out, k * CYTON_PACKET_BYTES))
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Decodes chunks and returns one row per sample: [counter, ...µV]. */
function decodeAll(state: CytonParserState, chunks: Uint8Array[]): number[][] {
  const rows: number[][] = []
  for (const chunk of chunks) {
    const batch: DecodedBatch = decodeCyton(state, chunk)
    for (let i = 0; i < batch.count; i++) {
      rows.push([batch.counters![i], ...batch.samplesUv.subarray(i * batch.channelCount, (i + 1) * batch.channelCount)])
    }
  }
  return rows
}

const scale = cytonScaleUv(24)
const expectedRow = (p: Packet) => [p.counter, ...p.counts.map((c) => Math.fround(c * scale))]

// Channel counts whose three bytes stay below 0x80: such data never contains a header or footer
// byte, so the properties below are exact rather than probabilistic.
const safeCount = fc.tuple(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7f })).map(([a, b, c]) => (a << 16) | (b << 8) | c)
const packetsArb = fc.array(fc.array(safeCount, { minLength: 8, maxLength: 8 }), { minLength: 3, maxLength: 40 }).map((rows) => rows.map((counts, k) => ({ counter: k & 0xff, counts })))
const noHeaderByte = fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0xa0)

describe('Cyton parser', () => {
  it('decodes 24-bit signed big-endian counts with the gain-24 scale (0.02235 µV/count)', () => {
    const counts = [1, -1, 0x7fffff, -0x800000, 1000, -1000, 0, 42]
    const rows = decodeAll(createCytonParser(), [stream([{ counter: 7, counts }, { counter: 8, counts }])])
    expect(rows).toHaveLength(2)
    expect(rows[0][0]).toBe(7)
    expect(scale).toBeCloseTo(0.022351744, 8)
    expect(rows[0][1]).toBeCloseTo(0.02235, 4)
    expect(rows[0][2]).toBeCloseTo(-0.02235, 4)
    expect(rows[0][3]).toBeCloseTo(187_500, 0)
    expect(rows[0][4]).toBeCloseTo(-187_500.02, 0)
  })

  it('applies per-channel gains', () => {
    const state = createCytonParser({ gains: [1, 24, 24, 24, 24, 24, 24, 24] })
    setCytonGain(state, 2, 8)
    const rows = decodeAll(state, [stream([{ counter: 0, counts: [100, 100, 100, 0, 0, 0, 0, 0] }, { counter: 1, counts: [0, 0, 0, 0, 0, 0, 0, 0] }])])
    expect(rows[0][1]).toBeCloseTo(100 * cytonScaleUv(1), 3)
    expect(rows[0][3]).toBeCloseTo(100 * cytonScaleUv(8), 3)
  })

  it('rejects packets with a footer outside 0xC0-0xC6 and counts them', () => {
    const good = stream([{ counter: 0, counts: [1, 2, 3, 4, 5, 6, 7, 8] }, { counter: 1, counts: [1, 2, 3, 4, 5, 6, 7, 8] }])
    const bad = encodeCytonPacket({ counter: 2, counts: [0, 0, 0, 0, 0, 0, 0, 0], footer: 0xb0 })
    const state = createCytonParser()
    const rows = decodeAll(state, [concat([good, bad, good])])
    expect(rows.map((r) => r[0])).toEqual([0, 1, 0, 1])
    expect(state.stats.resyncs).toBeGreaterThan(0)
  })

  it('gives the same samples however the stream is split (every offset)', () => {
    fc.assert(
      fc.property(packetsArb, (packets) => {
        const bytes = stream(packets)
        const whole = decodeAll(createCytonParser(), [bytes])
        expect(whole).toEqual(packets.map(expectedRow))
        for (let cut = 0; cut <= bytes.length; cut++) {
          const split = decodeAll(createCytonParser(), [bytes.subarray(0, cut), bytes.subarray(cut)])
          expect(split).toEqual(whole)
        }
      }),
      { numRuns: 12 }
    )
  })

  it('resynchronises within one packet after garbage and truncated packets', () => {
    fc.assert(
      fc.property(
        packetsArb,
        fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('garbage', 'truncate'), bytes: fc.array(noHeaderByte, { minLength: 1, maxLength: 50 }), keep: fc.integer({ min: 1, max: 32 }) }), { maxLength: 4 }),
        (packets, faults) => {
          const parts = packets.map((p) => encodeCytonPacket({ counter: p.counter, counts: p.counts }))
          let damaged = 0
          for (const f of faults) {
            const k = f.at % parts.length
            if (f.kind === 'garbage') parts[k] = concat([parts[k], Uint8Array.from(f.bytes)])
            else parts[k] = parts[k].subarray(0, f.keep)
            damaged++
          }
          const state = createCytonParser()
          const rows = decodeAll(state, [concat(parts)])
          const expected = packets.map(expectedRow)
          // Every decoded row is a real packet, in order (a subsequence of the originals)...
          let e = 0
          for (const row of rows) {
            while (e < expected.length && JSON.stringify(expected[e]) !== JSON.stringify(row)) e++
            expect(e).toBeLessThan(expected.length)
            e++
          }
          // ...and each fault costs at most the packet cut and the one after it (a packet right after
          // a resync needs the next one to confirm its counter), plus the unconfirmed last one.
          expect(packets.length - rows.length).toBeLessThanOrEqual(2 * damaged + 1)
        }
      ),
      { numRuns: 200 }
    )
  })

  it('takes the board\'s text answer before the first packet as no error, but counts garbage once streaming', () => {
    const packets = [0, 1, 2, 3].map((k) => ({ counter: k, counts: [k, 2, 3, 4, 5, 6, 7, 8] }))
    const state = createCytonParser()
    const answer = new TextEncoder().encode('updating channel settings to default$$$')
    const rows = decodeAll(state, [concat([answer, stream(packets.slice(0, 2))]), concat([Uint8Array.of(0x11, 0x22), stream(packets.slice(2))])])
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3])
    expect(state.stats.garbageBytes).toBe(answer.length + 2)
    expect(state.stats.resyncs).toBe(1) // the two bytes between packets, not the answer
  })

  it('never throws on random bytes and accounts for every byte', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const state = createCytonParser()
        let total = 0
        let decoded = 0
        for (const chunk of chunks) {
          total += chunk.length
          decoded += decodeCyton(state, chunk).count
        }
        expect(decoded * CYTON_PACKET_BYTES + state.stats.garbageBytes + state.carryLength).toBe(total)
      }),
      { numRuns: 300 }
    )
  })

  it('passes duplicated and dropped packets through with their counters', () => {
    fc.assert(
      fc.property(packetsArb, fc.array(fc.constantFrom('keep', 'drop', 'dup'), { minLength: 40, maxLength: 40 }), (packets, fate) => {
        const sent = packets.flatMap((p, k) => (fate[k] === 'drop' ? [] : fate[k] === 'dup' ? [p, p] : [p]))
        if (sent.length < 2) return
        const rows = decodeAll(createCytonParser(), [stream(sent)])
        expect(rows).toEqual(sent.map(expectedRow))
      }),
      { numRuns: 50 }
    )
  })
})

describe('Cyton phantom packets', () => {
  it('never takes garbage that lines up with 0xCx 0xA0 in the aux bytes as a packet', () => {
    // Aux bytes ending C6 A0: "A0 05" two bytes before a packet frames a phantom whose footer and next
    // header both check out, and every packet after it would look valid in that phase too.
    const aux = [0, 0, 0, 0, 0xc6, 0xa0]
    const packets = Array.from({ length: 40 }, (_, k) => ({ counter: k, counts: [k, 2, 3, 4, 5, 6, 7, 8] }))
    const parts = packets.map((p) => encodeCytonPacket({ counter: p.counter, counts: p.counts, aux }))
    for (const k of [5, 17, 29]) parts[k] = concat([Uint8Array.of(0x11, 0x22, 0xa0, 0x05), parts[k]])
    const rows = decodeAll(createCytonParser(), [concat(parts)])
    const expected = new Map(packets.map((p) => [p.counter, JSON.stringify(expectedRow(p))]))
    for (const row of rows) expect(JSON.stringify(row)).toBe(expected.get(row[0]))
    // Each injection costs the packet before it and at most the one it precedes.
    expect(rows.length).toBeGreaterThanOrEqual(40 - 3 * 2 - 1)
  })
})

describe('Cyton + Daisy parser', () => {
  it('pairs even (Daisy, ch 9-16) and odd (Cyton, ch 1-8) packets into 16-channel rows', () => {
    const packets: Packet[] = []
    for (let k = 0; k < 8; k++) packets.push({ counter: k, counts: Array.from({ length: 8 }, (_, c) => (k % 2 === 0 ? 1000 * (c + 9) : 1000 * (c + 1)) + (k >> 1)) })
    const state = createCytonParser({ daisy: true })
    const batch = decodeCyton(state, concat([stream(packets), stream([{ counter: 8, counts: [0, 0, 0, 0, 0, 0, 0, 0] }])]))
    expect(batch.channelCount).toBe(16)
    expect(Array.from(batch.counters!)).toEqual([0, 1, 2, 3])
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 16; c++) expect(batch.samplesUv[r * 16 + c]).toBeCloseTo((1000 * (c + 1) + r) * scale, 3)
    }
  })

  it('drops a Cyton packet whose Daisy partner was lost', () => {
    const zero = [0, 0, 0, 0, 0, 0, 0, 0]
    const state = createCytonParser({ daisy: true })
    const batch = decodeCyton(state, stream([0, 1, 3, 4, 5, 6].map((counter) => ({ counter, counts: zero }))))
    expect(Array.from(batch.counters!)).toEqual([0, 2])
    expect(state.orphanPackets).toBe(1)
  })
})
