import { strFromU8, unzipSync } from 'fflate'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/args'
import { exportCommand } from '../../src/cli/commands/export.command'
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, type ExportFormat } from '../../src/shared/export-formats'
import { prepareSessionExport } from '../../src/station/export/session-export'
import { LOCAL_DB_FILE, openLocalDatabase, type LocalDatabase } from '../../src/station/storage/database'
import { parseEdf } from '../helpers/edf-reader'
import { SEED_START_MS, seedExportSession, type SeededSession } from '../helpers/export-session'
import { recordParticipantConsent } from '../helpers/participants'
import { makeTempDir } from '../helpers/station'

const GOLDEN_DIR = resolve(import.meta.dirname, '../fixtures/export/bids')
// The writers' own output; de-identification (the BIDS default) has its tests in participants.test.ts.
const OPTIONS = { powerLineHz: 50, vigilVersion: '9.9.9', deidentify: false }

function concat(chunks: Iterable<Uint8Array>): Buffer {
  return Buffer.concat([...chunks])
}

async function exportBytes(db: LocalDatabase, sessionId: string, format: ExportFormat, gaps?: 'fill'): Promise<Buffer> {
  const job = await prepareSessionExport(db, sessionId, format, { ...OPTIONS, gaps })
  return concat(job.download().chunks())
}

describe('session export', () => {
  let dir: string
  let db: LocalDatabase
  let seeded: SeededSession

  beforeEach(() => {
    dir = makeTempDir('vigil-export-')
    db = openLocalDatabase(join(dir, LOCAL_DB_FILE))
    // 6 s at 250 Hz; samples 700..1299 (2.8 s .. 5.2 s) dropped, which removes whole records 3 and 4.
    seeded = seedExportSession(db, { seconds: 6, drops: [[700, 600]] })
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('downloads every format of the table as one file with the extension and content type its row states', async () => {
    for (const format of EXPORT_FORMAT_NAMES) {
      const file = (await prepareSessionExport(db, seeded.sessionId, format, OPTIONS)).download()
      expect(file.name.endsWith(`.${EXPORT_FORMATS[format].extension}`), `${format}: ${file.name}`).toBe(true)
      expect(file.contentType, format).toBe(EXPORT_FORMATS[format].contentType)
    }
  })

  it('writes a BDF+D a reader parses back: header fields, samples within one step, record times across the gap', async () => {
    const file = parseEdf(await exportBytes(db, seeded.sessionId, 'bdf'))
    const h = file.header
    expect(h.reserved).toBe('BDF+D')
    expect(h.patient).toBe('P-07 X X X')
    expect(h.recording).toBe(`Startdate 24-NOV-2026 ${seeded.sessionId} X Vigil_simulated`)
    expect([h.startDate, h.startTime]).toEqual(['24.11.26', '09.30.15'])
    expect(h.signals.map((s) => s.label)).toEqual([...seeded.channelNames.map((c) => `EEG ${c}`), 'BDF Annotations'])
    expect(h.signals.slice(0, -1).every((s) => s.physicalDimension === 'uV' && s.prefiltering === 'None')).toBe(true)
    // Records 0, 1, 2 and 5; 3 and 4 held only dropped samples. Start is 09:30:15.250.
    expect(file.records.map((r) => r.startS)).toEqual([0.25, 1.25, 2.25, 5.25])

    const recordOf = new Map(file.records.map((r) => [Math.round(r.startS - 0.25), r]))
    for (const { seq, values } of seeded.stored) {
      const record = recordOf.get(Math.floor(seq / 250))
      expect(record).toBeDefined()
      values.forEach((v, c) => {
        const s = h.signals[c]
        const step = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin)
        expect(Math.abs(record!.values[c][seq % 250] - v)).toBeLessThanOrEqual(step)
      })
    }
  })

  it('annotates markers, game events (not the driving telemetry), face events with durations, alerts and the gap', async () => {
    const expected = [
      [0.85, 0.15, 'blink'],
      [1.25, null, 'eyes_closed'],
      [1.45, 2.5, 'yawn'],
      [1.75, null, 'stimulus_shown stimulusId=1 stimulusKind=brake_lights'],
      [2.162, null, 'response stimulusId=1 via=brake simReactionTimeMs=412 isLapse=false'],
      [2.25, 1.4, 'eye_closure microsleep_candidate'],
      [2.75, null, 'note: yawned, said "tired"'],
      [3.05, 2.4, 'BAD_data_gap 600 samples missing'],
      [3.25, null, 'lane_departure side=left laneOffsetM=-1.9'],
      [4.25, null, 'kss_answer promptId=1 value=7 latencyMs=2100'],
      [4.75, null, 'alert perclos (warning): PERCLOS above 30% for 60 s'],
      [5.75, 0.6, 'eye_closure']
    ]
    // Face tracker frames, calibration and status rows are not annotations.
    for (const flavour of ['edf', 'bdf'] as const) {
      const file = parseEdf(await exportBytes(db, seeded.sessionId, flavour))
      expect(file.header.reserved).toBe(`${flavour.toUpperCase()}+D`)
      const tals = file.records.flatMap((r) => r.tals).map((t) => [t.onsetS, t.durationS, t.texts.join('|')])
      expect(tals, flavour).toEqual(expected)
    }
  })

  it('writes a continuous BDF+C without drops and sizes a reconnect gap from the timestamps', async () => {
    const continuous = seedExportSession(db, { seconds: 3, withEvents: false })
    expect(parseEdf(await exportBytes(db, continuous.sessionId, 'bdf')).header.reserved).toBe('BDF+C')
    // seq continues across the reconnect; the clock jumps 2 s.
    const reconnect = seedExportSession(db, { seconds: 4, withEvents: false, reconnect: { atSeq: 500, gapMs: 2000 } })
    const file = parseEdf(await exportBytes(db, reconnect.sessionId, 'bdf'))
    expect(file.header.reserved).toBe('BDF+D')
    expect(file.records.map((r) => r.startS)).toEqual([0.25, 1.25, 4.25, 5.25])
    expect(file.records.flatMap((r) => r.tals)).toEqual([{ onsetS: 2.25, durationS: 2, texts: ['BAD_data_gap headset reconnected'] }])
  })

  it('writes CSV: a wide samples file with gap-aware time, an events file and the fatigue updates', async () => {
    const job = await prepareSessionExport(db, seeded.sessionId, 'csv', OPTIONS)
    expect(job.files.map((f) => f.name)).toEqual(['vigil_sub-P07_ses-1_samples.csv', 'vigil_sub-P07_ses-1_events.csv', 'vigil_sub-P07_ses-1_fatigue.csv'])
    const samples = concat(job.files[0].chunks()).toString('utf8').trimEnd().split('\n')
    expect(samples[0]).toBe(`time_s,timestamp_ms,seq,${seeded.channelNames.join(',')}`)
    expect(samples).toHaveLength(1 + seeded.stored.length)
    const firstAfterGap = samples[1 + 700].split(',')
    expect(firstAfterGap.slice(0, 3)).toEqual(['5.2', String(SEED_START_MS + 5200), '1300'])
    expect(Number(firstAfterGap[3])).toBeCloseTo(seeded.stored[700].values[0], 3)
    const events = concat(job.files[1].chunks()).toString('utf8').trimEnd().split('\n')
    expect(events[0]).toBe('onset_s,duration_s,timestamp_ms,source,trial_type,value,text')
    expect(events).toContain(`2.5,0,${SEED_START_MS + 2500},marker,note,"yawned, said ""tired""","note: yawned, said ""tired"""`)
    expect(events).toContain(`2.8,2.4,${SEED_START_MS + 2800},gap,BAD_data_gap,600,BAD_data_gap 600 samples missing`)
    expect(events).toContain(`2,1.4,${SEED_START_MS + 2000},face,eye_closure,microsleep_candidate,eye_closure microsleep_candidate`)
    expect(events).toContain(`0.6,0.15,${SEED_START_MS + 600},face,blink,,blink`)
    expect(events).toContain(`1.2,2.5,${SEED_START_MS + 1200},face,yawn,,yawn`)
    expect(events.filter((e) => e.includes(',face,'))).toHaveLength(4)

    const fatigue = concat(job.files[2].chunks()).toString('utf8').trimEnd().split('\n').map((line) => line.split(','))
    const header = fatigue[0]
    expect(header.slice(0, 5)).toEqual(['time_s', 'timestamp_ms', 'score', 'level', 'component_eeg'])
    expect(fatigue).toHaveLength(1 + 5)
    const column = (name: string) => fatigue.slice(1).map((row) => row[header.indexOf(name)])
    // Times on the samples' axis; the 3 s update falls in the dropped stretch and keeps its wall-clock place.
    expect(column('time_s')).toEqual(['1', '2', '3', '4', '5'])
    expect(column('timestamp_ms')).toEqual([1, 2, 3, 4, 5].map((s) => String(SEED_START_MS + s * 1000)))
    expect(column('score')).toEqual(['', '35', '42.5', '50', '57.5'])
    expect(column('level')).toEqual(['', 'alert', 'alert', 'moderate', 'moderate'])
    expect(column('eeg_z_theta_alpha_over_beta')).toEqual(['', '', '', '1.25', '1.25'])
    expect(column('face_long_closures')).toEqual(['0', '0', '1', '1', '1'])
    expect(column('driving_kss')).toEqual(['', '', '', '7', '7'])
    expect(header.every((name) => /^[a-z0-9_]+$/.test(name))).toBe(true)
    expect(fatigue.every((row) => row.length === header.length)).toBe(true)

    // One download: the three files in a zip.
    const zip = unzipSync(await exportBytes(db, seeded.sessionId, 'csv'))
    expect(Object.keys(zip).sort()).toEqual(['vigil_sub-P07_ses-1_events.csv', 'vigil_sub-P07_ses-1_fatigue.csv', 'vigil_sub-P07_ses-1_samples.csv'])
  })

  it('leaves fatigue updates stored after the export started out, like samples', async () => {
    const job = await prepareSessionExport(db, seeded.sessionId, 'csv', OPTIONS)
    db.prepare("INSERT INTO fatigue_metrics (session_id, t_ms, score, level, data_json) VALUES (?, ?, 80, 'severe', '{}')").run(seeded.sessionId, SEED_START_MS + 5500)
    const rows = concat(job.files[2].chunks()).toString('utf8').trimEnd().split('\n')
    expect(rows).toHaveLength(1 + 5)
    expect(rows.some((r) => r.includes('severe'))).toBe(false)
  })

  it('writes a BIDS-EEG zip whose listing and sidecars match the golden files', async () => {
    const zip = unzipSync(await exportBytes(db, seeded.sessionId, 'bids'))
    const root = 'vigil_sub-P07_ses-1'
    const eeg = `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_eeg.bdf`
    expect(Object.keys(zip).sort()).toEqual(
      [
        `${root}/README`,
        `${root}/dataset_description.json`,
        `${root}/participants.tsv`,
        `${root}/sub-P07/ses-1/sub-P07_ses-1_scans.tsv`,
        eeg,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_channels.tsv`,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_eeg.json`,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_events.json`,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_events.tsv`,
        `${root}/derivatives/vigil/dataset_description.json`,
        `${root}/derivatives/vigil/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_desc-fatigue_timeseries.json`,
        `${root}/derivatives/vigil/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_desc-fatigue_timeseries.tsv`
      ].sort()
    )
    // The data file inside is the same BDF+ as a direct export with gaps filled, so BIDS tools (MNE) read it right.
    expect(Buffer.from(zip[eeg]).equals(await exportBytes(db, seeded.sessionId, 'bdf', 'fill'))).toBe(true)
    expect(parseEdf(Buffer.from(zip[eeg])).header.reserved).toBe('BDF+C')
    for (const [path, bytes] of Object.entries(zip)) {
      if (path === eeg) continue
      const text = strFromU8(bytes).replaceAll(seeded.sessionId, '<session-id>')
      const golden = join(GOLDEN_DIR, path.slice(root.length + 1))
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(dirname(golden), { recursive: true })
        writeFileSync(golden, text)
      }
      expect(existsSync(golden), `golden file for ${path}`).toBe(true)
      expect(text, path).toBe(readFileSync(golden, 'utf8'))
    }
  })

  it('numbers BIDS sessions per participant, writes no derivative without fatigue updates, refuses sessions without EEG', async () => {
    const second = seedExportSession(db, { seconds: 2, withEvents: false, startMs: SEED_START_MS + 86_400_000 })
    const job = await prepareSessionExport(db, second.sessionId, 'bids', OPTIONS)
    expect(job.download().name).toBe('vigil_sub-P07_ses-2.zip')
    const zip = unzipSync(concat(job.download().chunks()))
    expect(Object.keys(zip).filter((path) => path.includes('derivatives'))).toEqual([])
    expect(strFromU8(zip['vigil_sub-P07_ses-2/README'])).not.toContain('derivatives')
    db.prepare('DELETE FROM eeg_samples WHERE session_id = ?').run(second.sessionId)
    await expect(prepareSessionExport(db, second.sessionId, 'bdf', OPTIONS)).rejects.toMatchObject({ code: 'EXPORT_EMPTY_SESSION' })
    await expect(prepareSessionExport(db, 'no-such-session', 'bdf', OPTIONS)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('exports from the command line with a progress report on stderr', async () => {
    // The CLI refuses, like the station, a session whose participant has not consented to data sharing.
    recordParticipantConsent(db, 'P-07', ['local_recording', 'data_sharing'])
    const out = join(dir, 'drive.bdf')
    const stderr: string[] = []
    const stdout: string[] = []
    const originalErr = process.stderr.write.bind(process.stderr)
    const originalOut = process.stdout.write.bind(process.stdout)
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write
    process.stdout.write = ((chunk: string) => stdout.push(String(chunk)) > 0) as typeof process.stdout.write
    db.close()
    let code: number
    try {
      code = await exportCommand.run(parseArgs(['export', seeded.sessionId, '--format', 'bdf', '--out', out, '--data-dir', dir]))
      await exportCommand.run(parseArgs(['export', seeded.sessionId, '--format', 'csv', '--out', join(dir, 'drive.csv'), '--data-dir', dir]))
    } finally {
      process.stderr.write = originalErr
      process.stdout.write = originalOut
      db = openLocalDatabase(join(dir, LOCAL_DB_FILE))
    }
    expect(code).toBe(0)
    expect(parseEdf(readFileSync(out)).header.reserved).toBe('BDF+D')
    expect(existsSync(`${out}.partial`)).toBe(false)
    expect(existsSync(join(dir, 'drive.csv'))).toBe(true)
    expect(existsSync(join(dir, 'drive_events.csv'))).toBe(true)
    expect(existsSync(join(dir, 'drive_fatigue.csv'))).toBe(true)
    expect(stderr.join('')).toMatch(/writing \[#+\] 100%/)
    expect(stdout.join('')).toContain('900 samples, 1 gap(s), 12 annotation(s), 6.0 s')
  })

  it('resolves a relative --out and --data-dir against INIT_CWD, the folder npm was run from', async () => {
    // The CLI refuses, like the station, a session whose participant has not consented to data sharing.
    recordParticipantConsent(db, 'P-07', ['local_recording', 'data_sharing'])
    db.close()
    const originalOut = process.stdout.write.bind(process.stdout)
    const originalInitCwd = process.env.INIT_CWD
    process.stdout.write = (() => true) as typeof process.stdout.write
    process.env.INIT_CWD = dir
    try {
      // `npm run station` runs in the repository, so a plain relative path would land there.
      expect(process.cwd()).not.toBe(dir)
      await exportCommand.run(parseArgs(['export', seeded.sessionId, '--format', 'edf', '--out', './drive-rel.edf', '--data-dir', '.']))
    } finally {
      process.stdout.write = originalOut
      if (originalInitCwd === undefined) delete process.env.INIT_CWD
      else process.env.INIT_CWD = originalInitCwd
      db = openLocalDatabase(join(dir, LOCAL_DB_FILE))
    }
    expect(parseEdf(readFileSync(join(dir, 'drive-rel.edf'))).header.reserved).toBe('EDF+D')
  })
})
