import { describe, expect, it } from 'vitest'
import { FATIGUE_COLUMNS, fatigueCells, fatigueTsvSidecar } from '../../../src/station/export/fatigue-table'
import { faceEvent, MICROSLEEP_CANDIDATE_MS } from '../../../src/station/export/session-reader'

describe('face events for export', () => {
  it('keeps the duration and marks closures of 1 s or more as microsleep candidates', () => {
    expect(MICROSLEEP_CANDIDATE_MS).toBe(1000)
    expect(faceEvent(10, 'eye_closure', { durationMs: 1000 })).toEqual({
      source: 'face',
      timestampMs: 10,
      durationMs: 1000,
      trialType: 'eye_closure',
      value: 'microsleep_candidate',
      text: 'eye_closure microsleep_candidate'
    })
    expect(faceEvent(10, 'eye_closure', { durationMs: 999 })).toMatchObject({ durationMs: 999, value: null, text: 'eye_closure' })
    // A blink or yawn is never a microsleep candidate, however long.
    expect(faceEvent(10, 'yawn', { durationMs: 3000 })).toMatchObject({ trialType: 'yawn', durationMs: 3000, value: null })
    // Rows written with the whole wire event (tMs and kind inside) read the same.
    expect(faceEvent(10, 'blink', { kind: 'blink', tMs: 10, durationMs: 120 })).toMatchObject({ durationMs: 120, text: 'blink' })
  })

  it('treats a missing or broken duration as an instant', () => {
    expect(faceEvent(10, 'blink', {}).durationMs).toBe(0)
    expect(faceEvent(10, 'blink', { durationMs: 'long' }).durationMs).toBe(0)
    expect(faceEvent(10, 'eye_closure', { durationMs: -5 })).toMatchObject({ durationMs: 0, value: null })
  })
})

describe('fatigue table', () => {
  it('flattens an update into one cell per column, empty where a modality or value is missing', () => {
    const cells = fatigueCells({ timestampMs: 0, score: 61.25, level: 'moderate', data: { components: { eeg: 0.5 }, face: null, driving: { pvt: { lapses: 2 } } } })
    const byName = Object.fromEntries(FATIGUE_COLUMNS.map((c, i) => [c.name, cells[i]]))
    expect(cells).toHaveLength(FATIGUE_COLUMNS.length)
    expect(byName).toMatchObject({ score: '61.25', level: 'moderate', component_eeg: '0.5', face_perclos_p80: '', driving_pvt_lapses: '2', eeg_clean_fraction: '' })
  })

  it('describes every column in the BIDS sidecar', () => {
    const sidecar = fatigueTsvSidecar()
    for (const name of ['onset', 'timestamp_ms', ...FATIGUE_COLUMNS.map((c) => c.name)]) expect(sidecar[name], name).toHaveProperty('Description')
    expect(new Set(FATIGUE_COLUMNS.map((c) => c.name)).size).toBe(FATIGUE_COLUMNS.length)
  })
})
