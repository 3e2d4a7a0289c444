import { array, assert, constantFrom, float, property } from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeEdf, formatEdfNumber, planEdf, type EdfFlavour, type EdfGapMode, type EdfInput } from '../../../src/station/export/edf-writer'
import { buildTimeline, type SampleBatch } from '../../../src/station/export/timeline'
import { parseEdf, parseTals } from '../../helpers/edf-reader'

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 600)

/** A slow sine on channel 0, a large offset ramp on channel 1. */
function value(seq: number, c: number): number {
  return c === 0 ? Math.sin(seq / 7) * 150 : -40000 + seq
}

function batchOf(seqs: number[], rateHz: number, channelCount: number, valueOf: (seq: number, c: number) => number): SampleBatch {
  const valuesUv = new Float32Array(seqs.length * channelCount)
  seqs.forEach((seq, i) => {
    for (let c = 0; c < channelCount; c++) valuesUv[i * channelCount + c] = valueOf(seq, c)
  })
  return { seqs: Float64Array.from(seqs), timestampsMs: Float64Array.from(seqs.map((s) => T0 + (s * 1000) / rateHz)), valuesUv }
}

function encode(flavour: EdfFlavour, batches: SampleBatch[], rateHz: number, labels: string[], annotations: EdfInput['annotations'] = [], gaps: EdfGapMode = 'discontinuous') {
  const timeline = buildTimeline(batches, rateHz, labels.length)
  const input: EdfInput = {
    patientCode: 'P 01',
    adminCode: 'session-1',
    technician: 'X',
    equipment: 'Vigil_test',
    channelLabels: labels,
    prefiltering: 'None',
    transducer: '',
    timeline,
    annotations,
    gaps
  }
  const plan = planEdf(input, flavour)
  const bytes = Buffer.concat([...encodeEdf(input, plan, batches)])
  return { timeline, plan, bytes, file: parseEdf(bytes) }
}

describe('EDF+/BDF+ writer', () => {
  it('fits header numbers into 8 characters, rounding away from the data', () => {
    expect(formatEdfNumber(-187500.123, 'floor')).toBe('-187501')
    expect(formatEdfNumber(187500.123, 'ceil')).toBe('187500.2')
    expect(formatEdfNumber(12.3456789, 'ceil')).toBe('12.34568')
    expect(formatEdfNumber(-0.0000001, 'ceil')).toBe('0')
    expect(formatEdfNumber(-3.5, 'floor')).toBe('-3.5')
    expect(() => formatEdfNumber(1e12, 'ceil')).toThrow()
  })

  it('writes a continuous BDF+ whose header, samples and time-keeping a reader recovers', () => {
    const rate = 128
    const seqs = Array.from({ length: rate * 3 }, (_, i) => i)
    const { bytes, file, plan } = encode('bdf', [batchOf(seqs, rate, 2, value)], rate, ['Fp1', 'O2'])
    expect(bytes.length).toBe(plan.totalBytes)
    const h = file.header
    expect(h.isBdf).toBe(true)
    expect(h.version).toBe('BIOSEMI')
    expect(h.reserved).toBe('BDF+C')
    expect(h.patient).toBe('P_01 X X X')
    expect(h.recording).toBe('Startdate 02-JAN-2026 session-1 X Vigil_test')
    expect([h.startDate, h.startTime]).toEqual(['02.01.26', '03.04.05'])
    expect(h.recordCount).toBe(3)
    expect(h.recordDurationS).toBe(1)
    // Plain names, as in BIDS channels.tsv and a 10-20 montage (MNE keeps an "EEG " prefix as part of the name).
    expect(h.signals.map((s) => s.label)).toEqual(['Fp1', 'O2', 'BDF Annotations'])
    // Three whole records: no padding, nothing annotated.
    expect(plan.paddingSamples).toBe(0)
    expect(file.records.flatMap((r) => r.tals)).toEqual([])
    expect(h.signals[0]).toMatchObject({ physicalDimension: 'uV', digitalMin: -8388608, digitalMax: 8388607, prefiltering: 'None', samplesPerRecord: rate })
    // Sub-second start: the first record starts 0.6 s after the header's whole second.
    expect(file.records.map((r) => r.startS)).toEqual([0.6, 1.6, 2.6])
    for (let c = 0; c < 2; c++) {
      const s = h.signals[c]
      const step = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin)
      const got = file.records.flatMap((r) => r.values[c])
      seqs.forEach((seq) => expect(Math.abs(got[seq] - Math.fround(value(seq, c)))).toBeLessThanOrEqual(step))
    }
  })

  it('leaves out records with no samples (EDF+D) and keeps each record at its true time', () => {
    const rate = 100
    const seqs = Array.from({ length: 600 }, (_, i) => i).filter((s) => s < 150 || s >= 420)
    const { file, timeline } = encode('edf', [batchOf(seqs, rate, 1, (s) => s)], rate, ['Cz'])
    expect(timeline.gaps).toEqual([expect.objectContaining({ slot: 150, slotCount: 270, droppedSamples: 270 })])
    expect(file.header.reserved).toBe('EDF+D')
    expect(file.header.signals[0]).toMatchObject({ digitalMin: -32768, digitalMax: 32767 })
    // Records 2 and 3 (200..399) hold no sample; 1 and 4 are partly filled.
    expect(file.records.map((r) => r.startS)).toEqual([0.6, 1.6, 4.6, 5.6])
    const step = (file.header.signals[0].physicalMax - file.header.signals[0].physicalMin) / 65535
    expect(Math.abs(file.records[1].values[0][49] - 149)).toBeLessThanOrEqual(step)
    expect(Math.abs(file.records[2].values[0][20] - 420)).toBeLessThanOrEqual(step)
    // Missing slots inside a written record hold 0 µV.
    expect(Math.abs(file.records[1].values[0][50])).toBeLessThanOrEqual(step)
  })

  it('with gaps filled writes every record (EDF+C), the empty ones at 0 µV', () => {
    const rate = 100
    const seqs = Array.from({ length: 600 }, (_, i) => i).filter((s) => s < 150 || s >= 420)
    const { file } = encode('edf', [batchOf(seqs, rate, 1, (s) => s)], rate, ['Cz'], [], 'fill')
    expect(file.header.reserved).toBe('EDF+C')
    expect(file.records.map((r) => r.startS)).toEqual([0.6, 1.6, 2.6, 3.6, 4.6, 5.6])
    const step = (file.header.signals[0].physicalMax - file.header.signals[0].physicalMin) / 65535
    const all = file.records.flatMap((r) => r.values[0])
    seqs.forEach((s) => expect(Math.abs(all[s] - s)).toBeLessThanOrEqual(step))
    expect(all.slice(150, 420).every((v) => Math.abs(v) <= step)).toBe(true)
  })

  it('writes annotations as TALs with onset (offset by the sub-second start), duration and text, and spreads a burst over records', () => {
    const rate = 50
    const seqs = Array.from({ length: rate * 4 }, (_, i) => i)
    const burst = Array.from({ length: 100 }, (_, i) => ({ onsetS: 1.5, durationS: 0, text: `stimulus ${i} with a fairly long description` }))
    const annotations = [{ onsetS: -0.25, durationS: 0, text: 'before\u0014start' }, { onsetS: 0.5, durationS: 1.25, text: 'KSS 7 — sehr müde' }, ...burst]
    const { file, plan } = encode('bdf', [batchOf(seqs, rate, 1, () => 1)], rate, ['Pz'], annotations)
    const tals = file.records.flatMap((r) => r.tals)
    expect(tals).toHaveLength(annotations.length)
    expect(tals[0]).toEqual({ onsetS: 0.35, durationS: null, texts: ['before start'] })
    expect(tals[1]).toEqual({ onsetS: 1.1, durationS: 1.25, texts: ['KSS 7 — sehr müde'] })
    expect(tals.slice(2).map((t) => t.texts[0])).toEqual(burst.map((b) => b.text))
    expect(tals.slice(2).every((t) => t.onsetS === 2.1)).toBe(true)
    // The burst did not blow the annotation signal up to hold all 100 in one record.
    expect(plan.annotationSamplesPerRecord * 3).toBeLessThan(100 * 45)
    expect(file.records.filter((r) => r.tals.length > 0).length).toBeGreaterThan(1)
  })

  it('keeps every value within one quantisation step of the original, for any range (property)', () => {
    assert(
      property(
        array(float({ min: -300000, max: 300000, noNaN: true }), { minLength: 1, maxLength: 60 }),
        constantFrom<EdfFlavour>('edf', 'bdf'),
        (values, flavour) => {
          const seqs = values.map((_, i) => i)
          const { file } = encode(flavour, [batchOf(seqs, 10, 1, (s) => values[s])], 10, ['C3'])
          const s = file.header.signals[0]
          const step = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin)
          const got = file.records.flatMap((r) => r.values[0])
          return values.every((v, i) => Math.abs(got[i] - Math.fround(v)) <= step * 1.0001 && s.physicalMin <= Math.fround(v) && Math.fround(v) <= s.physicalMax)
        }
      ),
      { numRuns: 60 }
    )
  })

  it('has a test reader that rejects malformed TALs', () => {
    expect(() => parseTals(Buffer.from('1.5\u0014x\u0014\u0000'))).toThrow(/onset/)
    expect(parseTals(Buffer.from('+0\u0014\u0014\u0000+1\u00152\u0014a\u0014b\u0014\u0000\u0000\u0000'))).toEqual([
      { onsetS: 0, durationS: null, texts: [''] },
      { onsetS: 1, durationS: 2, texts: ['a', 'b'] }
    ])
  })
})
