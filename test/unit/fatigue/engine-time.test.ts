/**
 * The engine's work is bounded by its input, never by the distance between timestamps: a producer's
 * `tMs: 1e20` once sent `advance()` into an endless loop (1e20 + 1000 === 1e20) and froze the station.
 * The properties feed extreme and adversarial times in any order and check that every call returns,
 * that non-times are refused before they change anything, and that updates stay ordered and few.
 */
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_EPOCH_MS } from '../../../src/shared/schemas/common'
import { createFatigueEngine, type EngineOutput, type FatigueEngine } from '../../../src/station/fatigue/engine'

const NOW = 1_765_000_000_000

/** Times an attacker or a broken clock would send: far future, far past, the edges of the Date range, NaN. */
const adversarialTime = fc.oneof(
  fc.constantFrom(1e20, -1e20, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, Number.NaN, MAX_EPOCH_MS, -MAX_EPOCH_MS, MAX_EPOCH_MS + 1, 0, -0, 2 ** 53, 2 ** 53 + 2),
  fc.double({ noNaN: false }),
  fc.integer({ min: -1e6, max: 1e6 }).map((d) => NOW + d),
  fc.integer({ min: 0, max: 2 ** 52 })
)

type Input = { kind: 'face' | 'game' | 'eeg'; tMs: number }
const inputArb = fc.record({ kind: fc.constantFrom<Input['kind']>('face', 'game', 'eeg'), tMs: adversarialTime })

function push(engine: FatigueEngine, input: Input): EngineOutput {
  switch (input.kind) {
    case 'face':
      return engine.pushFace(frame(input.tMs))
    case 'game':
      return engine.pushGame({ type: 'lane', tMs: input.tMs, laneOffsetM: 0.1 })
    case 'eeg':
      return engine.pushEeg({ channelCount: 2, timestampsMs: [input.tMs, input.tMs + 4], samplesUv: [1, 2, 3, 4] })
  }
}

const isTime = (t: number) => Math.abs(t) <= MAX_EPOCH_MS
const frame = (tMs: number) => ({ type: 'frame' as const, tMs, facePresent: true, eyeLeft: 0.3, eyeRight: 0.3 })

describe('fatigue engine under adversarial timestamps', () => {
  it('returns from every call, refuses non-times unchanged, and emits ordered updates only for data it took', () => {
    fc.assert(
      fc.property(fc.array(inputArb, { minLength: 1, maxLength: 40 }), (inputs) => {
        const engine = createFatigueEngine({ eeg: { channelNames: ['Fz', 'Cz'], sampleRateHz: 250, mainsHz: 50 } })
        const updates: number[] = []
        let accepted = 0
        for (const input of inputs) {
          const accept = isTime(input.tMs) && (input.kind !== 'eeg' || isTime(input.tMs + 4))
          if (!accept) {
            expect(() => push(engine, input)).toThrow(RangeError)
            continue
          }
          accepted++
          updates.push(...push(engine, input).updates.map((u) => u.tMs))
        }
        updates.push(...engine.finish().updates.map((u) => u.tMs))
        // One update per interval that received data at most (an EEG input may span two), in time order.
        expect(updates.length).toBeLessThanOrEqual(2 * accepted)
        for (let i = 1; i < updates.length; i++) expect(updates[i]).toBeGreaterThan(updates[i - 1])
      }),
      { numRuns: 300 }
    )
  })

  it('keeps computing normal updates after a jump to the far future was refused', () => {
    const engine = createFatigueEngine({})
    const out: number[] = []
    for (let t = 0; t < 10_000; t += 100) {
      if (t === 5000) expect(() => engine.pushFace(frame(1e20))).toThrow(/not a time/)
      out.push(...engine.pushFace(frame(NOW + t)).updates.map((u) => u.tMs))
    }
    out.push(...engine.finish().updates.map((u) => u.tMs))
    expect(out).toEqual(Array.from({ length: 11 }, (_, i) => NOW + i * 1000))
  })

  it('steps over a quiet stretch of centuries in one call', () => {
    const engine = createFatigueEngine({})
    engine.pushFace(frame(0))
    const later = engine.pushFace(frame(MAX_EPOCH_MS))
    expect(later.updates.map((u) => u.tMs)).toEqual([0])
    expect(engine.finish().updates.map((u) => u.tMs)).toEqual([MAX_EPOCH_MS])
  })
})
