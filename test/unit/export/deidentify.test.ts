import { describe, expect, it } from 'vitest'
import { binAge, deidentifySession, MAX_EXPORTED_AGE_YEARS, randomDateShiftDays } from '../../../src/station/export/deidentify'
import type { ScannedSession } from '../../../src/station/export/export-writers'
import { createTimelineBuilder } from '../../../src/station/export/timeline'

const WEEK_DAYS = 7

function scanned(): ScannedSession {
  const builder = createTimelineBuilder(250, 1)
  const t0 = Date.UTC(2026, 10, 24, 9, 30, 0)
  const batch = { seqs: Float64Array.from([0, 1, 2, 3]), timestampsMs: Float64Array.from([t0, t0 + 4, t0 + 8, t0 + 12]), valuesUv: Float32Array.from([1, 2, 3, 4]) }
  builder.add(batch)
  const timeline = builder.finish()
  return {
    info: {
      id: '019ab5c0-0000-7000-8000-000000000001',
      name: 'Night drive of Jane',
      participantCode: 'P-01',
      stationId: '019ab5c0-0000-7000-8000-000000000002',
      status: 'completed',
      notes: 'lives next to the lab',
      startedAt: new Date(t0).toISOString(),
      endedAt: new Date(t0 + 16).toISOString(),
      createdAt: new Date(t0 - 1000).toISOString(),
      createdBy: 'u1',
      device: { kind: 'simulated', port: null, channelNames: ['Fp1'], sampleRateHz: 250, reference: null, prefiltering: null, model: null },
      participantSessionNumber: 1,
      participant: { age: 95, sex: 'female', handedness: 'left' }
    },
    timeline,
    events: [{ onsetS: 0.008, durationS: 0, timestampMs: t0 + 8, source: 'marker', trialType: 'kss', value: '7', text: 'kss: 7' }],
    firstTimestampMs: t0,
    baseName: 'vigil_sub-P01_ses-1',
    hasFatigue: true,
    samples: function* () {
      yield batch
    },
    fatigueRows: () => [{ timestampMs: t0 + 12, score: 40, level: 'moderate', data: {} }],
    hasFaceFrames: true,
    faceFrames: () => [{ timestampMs: t0 + 4, data: { facePresent: true } }],
    faceCalibrations: [{ timestampMs: t0, data: { baselineEarLeft: 0.3, baselineEarRight: 0.3 } }],
    impedanceChecks: [
      {
        id: 7,
        tMs: t0 - 30_000,
        method: 'simulated',
        passed: false,
        thresholds: { goodBelowKohm: 10, acceptableBelowKohm: 50 },
        electrodes: [{ channel: 0, label: 'Fp1', pin: 'n', impedanceKohm: 250, rating: 'bad' }],
        overrides: [{ tMs: t0 - 10_000, badElectrodes: ['Fp1'] }]
      }
    ]
  }
}

describe('de-identification', () => {
  it('draws offsets of whole weeks, 1 to 10 years into the past', () => {
    for (let i = 0; i < 200; i++) {
      const days = randomDateShiftDays()
      expect(Math.abs(days) % WEEK_DAYS).toBe(0)
      expect(days).toBeLessThanOrEqual(-52 * WEEK_DAYS)
      expect(days).toBeGreaterThanOrEqual(-520 * WEEK_DAYS)
    }
  })

  it('bins ages above 89 to 89 and keeps the rest', () => {
    expect([binAge(null), binAge(0), binAge(89), binAge(90), binAge(130)]).toEqual([null, 0, 89, MAX_EXPORTED_AGE_YEARS, MAX_EXPORTED_AGE_YEARS])
  })

  it('moves every time by the offset, keeps the time axis and the values, drops free text and the UUIDv7 ids', () => {
    const original = scanned()
    const shiftMs = -364 * 86_400_000
    const out = deidentifySession(original, { dateShiftDays: -364 })
    expect(out.firstTimestampMs).toBe(original.firstTimestampMs + shiftMs)
    expect(out.timeline.firstTimestampMs).toBe(original.firstTimestampMs + shiftMs)
    expect(out.timeline.fileTimeOf(out.events[0].timestampMs)).toBe(original.timeline.fileTimeOf(original.events[0].timestampMs))
    expect(out.events[0]).toEqual({ ...original.events[0], timestampMs: original.events[0].timestampMs + shiftMs })
    const [batch] = [...out.samples()]
    expect([...batch.timestampsMs]).toEqual([...[...original.samples()][0].timestampsMs].map((t) => t + shiftMs))
    expect(batch.valuesUv).toEqual(Float32Array.from([1, 2, 3, 4]))
    expect([...out.fatigueRows()][0].timestampMs).toBe(original.firstTimestampMs + 12 + shiftMs)
    expect([...out.faceFrames()][0].timestampMs).toBe(original.firstTimestampMs + 4 + shiftMs)
    expect(out.faceCalibrations[0].timestampMs).toBe(original.firstTimestampMs + shiftMs)
    expect(out.impedanceChecks[0]).toMatchObject({ tMs: original.firstTimestampMs - 30_000 + shiftMs, overrides: [{ tMs: original.firstTimestampMs - 10_000 + shiftMs }] })
    expect(out.impedanceChecks[0].electrodes).toEqual(original.impedanceChecks[0].electrodes)
    expect(out.info).toMatchObject({ notes: '', name: 'de-identified session', createdBy: '', participant: { age: 89, sex: 'female', handedness: 'left' } })
    expect(out.info.startedAt).toBe(new Date(Date.parse(original.info.startedAt!) + shiftMs).toISOString())
    expect(out.info.id).not.toBe(original.info.id)
    expect(out.info.stationId).not.toBe(original.info.stationId)
    expect(out.deidentified).toBe(true)
  })

  it('refuses an offset that would change the weekday', () => {
    expect(() => deidentifySession(scanned(), { dateShiftDays: -10 })).toThrow(/whole weeks/)
  })
})
