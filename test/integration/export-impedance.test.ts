/**
 * Electrode impedance checks stored with a session (device_events, as the station stores them) in
 * every export: BIDS electrodes.tsv `impedance` column (kΩ, the check before the recording, n/a where
 * unmeasured) with its electrodes.json, one EDF/BDF annotation per check and override, BIDS events,
 * and the CSV export's impedance.csv.
 */
import { strFromU8, unzipSync } from 'fflate'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createImpedanceStore } from '../../src/station/devices/impedance/impedance-store'
import { summarise, type ElectrodeImpedance } from '../../src/station/devices/impedance/impedance'
import { prepareSessionExport } from '../../src/station/export/session-export'
import { LOCAL_DB_FILE, openLocalDatabase, type LocalDatabase } from '../../src/station/storage/database'
import { parseEdf } from '../helpers/edf-reader'
import { seedExportSession, type SeededSession } from '../helpers/export-session'
import { makeTempDir } from '../helpers/station'

const OPTIONS = { powerLineHz: 50, vigilVersion: '9.9.9', deidentify: false }
const THRESHOLDS = { goodBelowKohm: 10, acceptableBelowKohm: 50 }

function concat(chunks: Iterable<Uint8Array>): Buffer {
  return Buffer.concat([...chunks])
}

describe('impedance checks in exports', () => {
  let dir: string
  let db: LocalDatabase
  let seeded: SeededSession
  /** kΩ of the check 30 s before the first sample: channel 7 unmeasured, channel 2 bad. */
  const beforeKohm = [4.2, 5.1, 250, 3.3, 6, 7.4, 8.8]

  const electrodes = (kohm: number[]): ElectrodeImpedance[] =>
    kohm.map((k, channel) => ({ channel, label: seeded.channelNames[channel], pin: 'n', impedanceKohm: k, rating: k < 10 ? 'good' : k < 50 ? 'acceptable' : 'bad' }))

  beforeEach(() => {
    dir = makeTempDir('vigil-export-impedance-')
    db = openLocalDatabase(join(dir, LOCAL_DB_FILE))
    seeded = seedExportSession(db, { seconds: 4, withEvents: false })
    const store = createImpedanceStore(db)
    const failed = store.record(seeded.sessionId, summarise(electrodes(beforeKohm), THRESHOLDS, seeded.startMs - 30_000, 'simulated'))
    store.recordOverride({ ...failed, sessionId: seeded.sessionId }, seeded.userId, seeded.startMs - 10_000)
    // A later check while recording (as if during a pause): annotated at its time, not in electrodes.tsv.
    store.record(seeded.sessionId, summarise(electrodes([1, 1, 1, 1, 1, 1, 1, 1]), THRESHOLDS, seeded.startMs + 2_000, 'simulated'))
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes the check before the recording into electrodes.tsv in kΩ, n/a where unmeasured, and describes it', async () => {
    const job = await prepareSessionExport(db, seeded.sessionId, 'bids', OPTIONS)
    const zip = unzipSync(concat(job.download().chunks()))
    const eegDir = 'vigil_sub-P07_ses-1/sub-P07/ses-1/eeg'
    const rows = strFromU8(zip[`${eegDir}/sub-P07_ses-1_electrodes.tsv`]).trimEnd().split('\n').map((line) => line.split('\t'))
    expect(rows[0]).toEqual(['name', 'x', 'y', 'z', 'impedance'])
    expect(rows.slice(1).map((r) => r[0])).toEqual(seeded.channelNames)
    expect(rows.slice(1).map((r) => r[4])).toEqual(['4.2', '5.1', '250', '3.3', '6', '7.4', '8.8', 'n/a'])
    const sidecar = JSON.parse(strFromU8(zip[`${eegDir}/sub-P07_ses-1_electrodes.json`])) as { impedance: { Description: string; Units: string } }
    expect(sidecar.impedance.Units).toBe('kOhm')
    expect(sidecar.impedance.Description).toContain('30 s before the first EEG sample')

    const events = strFromU8(zip[`${eegDir}/sub-P07_ses-1_task-driving_events.tsv`]).trimEnd().split('\n').map((line) => line.split('\t'))
    const impedanceRows = events.filter((r) => r[6] === 'impedance').map((r) => [r[0], r[3], r[4]])
    expect(impedanceRows).toEqual([
      ['0', 'impedance_check', 'failed'],
      ['0', 'impedance_override', seeded.channelNames[2]],
      ['2', 'impedance_check', 'passed']
    ])
    const eventsJson = JSON.parse(strFromU8(zip[`${eegDir}/sub-P07_ses-1_task-driving_events.json`])) as { trial_type: { HED: Record<string, string> } }
    expect(eventsJson.trial_type.HED.impedance_check).toBe('Measurement-event')
  })

  it('annotates every check and override in EDF and BDF, the ones before the recording at the start saying how long before', async () => {
    const [fp1, fp2, f3] = seeded.channelNames
    for (const flavour of ['edf', 'bdf'] as const) {
      const job = await prepareSessionExport(db, seeded.sessionId, flavour, OPTIONS)
      const file = parseEdf(concat(job.download().chunks()))
      const tals = file.records.flatMap((r) => r.tals).filter((t) => t.texts.some((text) => text.startsWith('impedance')))
      // EDF+ onsets count from the file header's whole second: the first sample is at 0.25 s (SEED_START_MS).
      expect(tals.map((t) => t.onsetS)).toEqual([0.25, 0.25, 2.25])
      expect(tals[0].texts[0]).toMatch(new RegExp(`^impedance check: ${fp1} 4\\.2 kΩ, ${fp2} 5\\.1 kΩ, ${f3} 250 kΩ, .* \\(failed: ${f3} bad\\) \\[30 s before the first sample\\]$`))
      expect(tals[1].texts[0]).toBe(`impedance override: recorded despite ${f3} bad [10 s before the first sample]`)
      expect(tals[2].texts[0]).toMatch(/^impedance check: .* \(passed\)$/)
    }
  })

  it('writes impedance.csv with the CSV export: one row per electrode and check', async () => {
    const job = await prepareSessionExport(db, seeded.sessionId, 'csv', OPTIONS)
    const file = job.files.find((f) => f.name.endsWith('_impedance.csv'))
    expect(file?.name).toBe('vigil_sub-P07_ses-1_impedance.csv')
    const rows = concat(file!.chunks()).toString('utf8').trimEnd().split('\n').map((line) => line.split(','))
    expect(rows[0]).toEqual(['check_id', 'onset_s', 'timestamp_ms', 'method', 'channel', 'label', 'pin', 'impedance_kohm', 'rating', 'good_below_kohm', 'acceptable_below_kohm', 'check_passed', 'overridden'])
    expect(rows).toHaveLength(1 + 7 + 8)
    expect(rows[3]).toEqual([rows[1][0], '-30', String(seeded.startMs - 30_000), 'simulated', '2', seeded.channelNames[2], 'n', '250', 'bad', '10', '50', 'false', 'true'])
    expect(rows[8]).toMatchObject({ 1: '2', 7: '1', 12: 'false' })
  })

  it('leaves sessions without checks as they were: no impedance column, file or annotation', async () => {
    const plain = seedExportSession(db, { seconds: 2, withEvents: false, startMs: seeded.startMs + 86_400_000 })
    const csv = await prepareSessionExport(db, plain.sessionId, 'csv', OPTIONS)
    expect(csv.files.map((f) => f.name.replace(/^.*_/, ''))).toEqual(['samples.csv', 'events.csv', 'fatigue.csv'])
    const zip = unzipSync(concat((await prepareSessionExport(db, plain.sessionId, 'bids', OPTIONS)).download().chunks()))
    const eegDir = 'vigil_sub-P07_ses-2/sub-P07/ses-2/eeg'
    expect(strFromU8(zip[`${eegDir}/sub-P07_ses-2_electrodes.tsv`]).split('\n')[0]).toBe('name\tx\ty\tz')
    expect(zip[`${eegDir}/sub-P07_ses-2_electrodes.json`]).toBeUndefined()
  })
})
