import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeEegFrame, encodeEegFrame } from '../../../src/shared/protocol/eeg-frame'

const batch = fc
  .record({ n: fc.integer({ min: 1, max: 40 }), c: fc.integer({ min: 1, max: 12 }), seq: fc.nat(), firstSampleSeq: fc.nat({ max: 1e12 }) })
  .chain(({ n, c, seq, firstSampleSeq }) =>
    fc.record({
      seq: fc.constant(seq),
      firstSampleSeq: fc.constant(firstSampleSeq),
      c: fc.constant(c),
      tMs: fc.array(fc.double({ min: 0, max: 4e12, noNaN: true }), { minLength: n, maxLength: n }),
      values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: n * c, maxLength: n * c })
    })
  )

describe('binary EEG frame', () => {
  it('decodes exactly what was encoded', () => {
    fc.assert(
      fc.property(batch, ({ seq, firstSampleSeq, c, tMs, values }) => {
        const result = decodeEegFrame(encodeEegFrame({ seq, firstSampleSeq }, tMs, values, c))
        expect(result.ok).toBe(true)
        if (!result.ok) return
        expect(result.frame).toMatchObject({ seq, firstSampleSeq, sampleCount: tMs.length, channelCount: c })
        expect(Array.from(result.frame.tMs)).toEqual(tMs)
        expect(Array.from(result.frame.samplesUv)).toEqual(values.map((v) => Math.fround(v)))
      })
    )
  })

  it('reads frames at any byte offset (pooled Buffers are not 8-byte aligned)', () => {
    const frame = encodeEegFrame({ seq: 3, firstSampleSeq: 9 }, [1, 2], [0.5, 1.5], 1)
    const shifted = new Uint8Array(frame.length + 3)
    shifted.set(frame, 3)
    const result = decodeEegFrame(shifted.subarray(3))
    expect(result.ok && Array.from(result.frame.samplesUv)).toEqual([0.5, 1.5])
  })

  it('answers any truncation, extension or corruption with a reason instead of throwing', () => {
    fc.assert(
      fc.property(batch, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -8, max: 8 }), ({ seq, firstSampleSeq, c, tMs, values }, at, byte, resize) => {
        const frame = encodeEegFrame({ seq, firstSampleSeq }, tMs, values, c)
        const damaged = new Uint8Array(Math.max(0, frame.length + resize))
        damaged.set(frame.subarray(0, damaged.length))
        if (damaged.length > 0) damaged[at % damaged.length] = byte
        const result = decodeEegFrame(damaged)
        if (!result.ok) expect(result.message).toMatch(/\S/)
        else expect(result.frame.samplesUv.length).toBe(result.frame.sampleCount * result.frame.channelCount)
      })
    )
  })
})
