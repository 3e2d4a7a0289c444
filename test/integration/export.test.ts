import { gunzipSync, strFromU8, unzipSync } from 'fflate'
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

async function exportBytes(db: LocalDatabase, sessionId: string, format: ExportFormat, gaps?: 'fill' | 'discontinuous'): Promise<Buffer> {
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

  it('writes a BDF+D on request that a reader parses back: header fields, samples within one step, record times across the gap', async () => {
    const file = parseEdf(await exportBytes(db, seeded.sessionId, 'bdf', 'discontinuous'))
    const h = file.header
    expect(h.reserved).toBe('BDF+D')
    expect(h.patient).toBe('P-07 X X X')
    expect(h.recording).toBe(`Startdate 24-NOV-2026 ${seeded.sessionId} X Vigil_simulated`)
    expect([h.startDate, h.startTime]).toEqual(['24.11.26', '09.30.15'])
    expect(h.signals.map((s) => s.label)).toEqual([...seeded.channelNames, 'BDF Annotations'])
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
      const file = parseEdf(await exportBytes(db, seeded.sessionId, flavour, 'discontinuous'))
      expect(file.header.reserved).toBe(`${flavour.toUpperCase()}+D`)
      const tals = file.records.flatMap((r) => r.tals).map((t) => [t.onsetS, t.durationS, t.texts.join('|')])
      expect(tals, flavour).toEqual(expected)
    }
  })

  it('fills gaps by default (+C): every sample at its true time, the filler at 0 µV and annotated BAD_data_gap', async () => {
    for (const flavour of ['bdf', 'edf'] as const) {
      const file = parseEdf(await exportBytes(db, seeded.sessionId, flavour))
      expect(file.header.reserved, flavour).toBe(`${flavour.toUpperCase()}+C`)
      // Record n starts n seconds after the first sample: a reader that ignores the TALs is still right.
      expect(file.records.map((r) => r.startS)).toEqual([0.25, 1.25, 2.25, 3.25, 4.25, 5.25])
      expect(file.records[3].values.every((channel) => channel.every((v) => Math.abs(v) < 0.01))).toBe(true)
      const gap = file.records.flatMap((r) => r.tals).find((t) => t.texts[0].startsWith('BAD_data_gap'))
      expect(gap).toEqual({ onsetS: 3.05, durationS: 2.4, texts: ['BAD_data_gap 600 samples missing'] })
    }
  })

  it('marks the padding of the last record BAD_padding, and RecordingDuration is the length of the data file', async () => {
    // 2.5 s at 250 Hz in 1-s records: the third record ends with 125 samples of filler.
    const short = seedExportSession(db, { seconds: 2.5, withEvents: false, participantCode: 'P-08' })
    const file = parseEdf(await exportBytes(db, short.sessionId, 'bdf'))
    expect(file.header.recordCount * file.header.recordDurationS).toBe(3)
    expect(file.records.flatMap((r) => r.tals)).toEqual([{ onsetS: 2.75, durationS: 0.5, texts: ['BAD_padding 125 samples after the end of the recording'] }])
    const zip = unzipSync(await exportBytes(db, short.sessionId, 'bids'))
    const eegDir = 'vigil_sub-P08_ses-1/sub-P08/ses-1/eeg'
    const sidecar = JSON.parse(strFromU8(zip[`${eegDir}/sub-P08_ses-1_task-driving_eeg.json`])) as { RecordingDuration: number }
    expect(sidecar.RecordingDuration).toBe(3)
    const events = strFromU8(zip[`${eegDir}/sub-P08_ses-1_task-driving_events.tsv`]).trimEnd().split('\n')
    expect(events).toEqual(['onset\tduration\tsample\ttrial_type\tvalue\tresponse_time\tsource', '2.5\t0.5\t625\tBAD_padding\t125\tn/a\tpadding'])
  })

  it('writes a continuous BDF+C without drops and sizes a reconnect gap from the timestamps', async () => {
    const continuous = seedExportSession(db, { seconds: 3, withEvents: false })
    expect(parseEdf(await exportBytes(db, continuous.sessionId, 'bdf')).header.reserved).toBe('BDF+C')
    // seq continues across the reconnect; the clock jumps 2 s.
    const reconnect = seedExportSession(db, { seconds: 4, withEvents: false, reconnect: { atSeq: 500, gapMs: 2000 } })
    const file = parseEdf(await exportBytes(db, reconnect.sessionId, 'bdf', 'discontinuous'))
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
    // Absolute band powers and all four ratios, as docs/fatigue.md lists them.
    expect(column('eeg_absolute_alpha_uv2')).toEqual(['', '11', '12', '13', '14'])
    expect(column('eeg_theta_over_beta')).toEqual(['', '2', '2', '2', '2'])
    for (const name of ['eeg_absolute_delta_uv2', 'eeg_absolute_theta_uv2', 'eeg_absolute_beta_uv2', 'eeg_theta_alpha_over_beta', 'eeg_alpha_over_beta', 'eeg_theta_alpha_over_alpha_beta', 'eeg_theta_over_beta']) {
      expect(header, name).toContain(name)
    }
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
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_electrodes.tsv`,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_coordsystem.json`,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_recording-face_physio.json`,
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_recording-face_physio.tsv.gz`,
        `${root}/derivatives/vigil/dataset_description.json`,
        `${root}/derivatives/vigil/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_desc-fatigue_timeseries.json`,
        `${root}/derivatives/vigil/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_desc-fatigue_timeseries.tsv`
      ].sort()
    )
    // The data file inside is the same BDF+ as a direct export with gaps filled, so BIDS tools (MNE) read it right.
    expect(Buffer.from(zip[eeg]).equals(await exportBytes(db, seeded.sessionId, 'bdf'))).toBe(true)
    expect(parseEdf(Buffer.from(zip[eeg])).header.reserved).toBe('BDF+C')
    for (const [path, bytes] of Object.entries(zip)) {
      if (path === eeg || path.endsWith('.gz')) continue
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

  it('labels channels identically in the data file, channels.tsv and electrodes.tsv, with the standard 10-20 positions MNE uses', async () => {
    const zip = unzipSync(await exportBytes(db, seeded.sessionId, 'bids'))
    const eegDir = 'vigil_sub-P07_ses-1/sub-P07/ses-1/eeg'
    const rows = (name: string) => strFromU8(zip[`${eegDir}/${name}`]).trimEnd().split('\n').map((line) => line.split('\t'))
    const dataLabels = parseEdf(Buffer.from(zip[`${eegDir}/sub-P07_ses-1_task-driving_eeg.bdf`])).header.signals.map((s) => s.label).slice(0, -1)
    const channels = rows('sub-P07_ses-1_task-driving_channels.tsv')
    const electrodes = rows('sub-P07_ses-1_electrodes.tsv')
    expect(dataLabels).toEqual(seeded.channelNames)
    expect(channels.slice(1).map((r) => r[0])).toEqual(dataLabels)
    expect(electrodes.slice(1).map((r) => r[0])).toEqual(dataLabels)
    expect(channels[0]).toEqual(['name', 'type', 'units', 'low_cutoff', 'high_cutoff', 'notch', 'reference', 'status'])
    expect(electrodes[0]).toEqual(['name', 'x', 'y', 'z'])
    // Every simulated channel is a 10-20 site; Fp1 and O1 as MNE 1.3's standard_1020 places them (head frame, m).
    expect(electrodes.slice(1).every((r) => r.slice(1).every((v) => /^-?0\.\d+$|^0$/.test(v)))).toBe(true)
    const position = (name: string) => electrodes.find((r) => r[0] === name)?.slice(1).map(Number)
    expect(position('Fp1')).toEqual([-0.0309, 0.1146, 0.0279])
    expect(position('O1')).toEqual([-0.0316, -0.0806, 0.0548])
    const coordsystem = JSON.parse(strFromU8(zip[`${eegDir}/sub-P07_ses-1_coordsystem.json`])) as Record<string, unknown>
    expect(coordsystem).toMatchObject({ EEGCoordinateSystem: 'CapTrak', EEGCoordinateUnits: 'm' })
  })

  it('gives PVT responses their reaction time in the BIDS response_time column (seconds), n/a elsewhere', async () => {
    const zip = unzipSync(await exportBytes(db, seeded.sessionId, 'bids'))
    const rows = strFromU8(zip['vigil_sub-P07_ses-1/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_events.tsv']).trimEnd().split('\n').map((l) => l.split('\t'))
    const column = rows[0].indexOf('response_time')
    const responses = rows.slice(1).filter((r) => r[3] === 'response')
    expect(responses.map((r) => r[column])).toEqual(['0.412'])
    expect(rows.slice(1).filter((r) => r[3] !== 'response').every((r) => r[column] === 'n/a')).toBe(true)
  })

  it('writes face features as a 20 Hz physio recording beside the EEG, from which PERCLOS can be recomputed', async () => {
    // 10 s of frames at ~12.5 Hz (80 ms) from 0.5 s: eyes shut (openness 0) from 4 s to 6 s, the face lost from 7 s to 8 s.
    const session = seedExportSession(db, { seconds: 12, withEvents: false, participantCode: 'P-09' })
    const insert = db.prepare('INSERT INTO face_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)')
    for (let t = 500; t < 10_500; t += 80) {
      const present = t < 7000 || t >= 8000
      const shut = t >= 4000 && t < 6000
      const openness = shut ? 0 : 1
      insert.run(session.sessionId, SEED_START_MS + t, 'frame', JSON.stringify(present ? { facePresent: true, eyeOpennessLeft: openness, eyeOpennessRight: openness, earLeft: shut ? 0.11 : 0.37, earRight: shut ? 0.12 : 0.38, mar: 0.1, pitchDeg: -3.5, yawDeg: 1, rollDeg: 0.25 } : { facePresent: false, eyeOpennessLeft: null, eyeOpennessRight: null }))
    }
    insert.run(session.sessionId, SEED_START_MS + 3000, 'calibrated', JSON.stringify({ baselineEarLeft: 0.37, baselineEarRight: 0.38, closedEarLeft: 0.11, closedEarRight: 0.12 }))
    const zip = unzipSync(await exportBytes(db, session.sessionId, 'bids'))
    const stem = 'vigil_sub-P09_ses-1/sub-P09/ses-1/eeg/sub-P09_ses-1_task-driving_recording-face_physio'
    const sidecar = JSON.parse(strFromU8(zip[`${stem}.json`])) as Record<string, unknown>
    expect(sidecar).toMatchObject({
      SamplingFrequency: 20,
      StartTime: 0.5,
      Columns: ['face_present', 'ear_left', 'ear_right', 'eye_openness_left', 'eye_openness_right', 'mouth_aspect_ratio', 'head_pitch', 'head_yaw', 'head_roll'],
      EyeOpennessReferences: { OpenEarLeft: 0.37, ClosedEarLeft: 0.11, ClosedReferenceSource: 'eyes-closed calibration step' },
      head_pitch: { Units: 'deg' }
    })
    // Gzip with no header row (BIDS physio names the columns in the sidecar).
    const rows = strFromU8(gunzipSync(zip[`${stem}.tsv.gz`])).trimEnd().split('\n').map((l) => l.split('\t'))
    // Last frame at 10.42 s: grid points 0.5, 0.55, ... up to 10.4 s.
    expect(rows).toHaveLength(Math.floor((10_420 - 500) / 50) + 1)
    expect(rows.every((r) => r.length === 9)).toBe(true)
    const at = (s: number) => rows[Math.round((s - 0.5) * 20)]
    expect(at(1)).toEqual(['1', '0.37', '0.38', '1', '1', '0.1', '-3.5', '1', '0.25'])
    expect(at(5).slice(0, 5)).toEqual(['1', '0.11', '0.12', '0', '0'])
    // The face lost: present 0, nothing else; a frame stands for at most 500 ms, so no row is invented.
    expect(at(7.5)).toEqual(['0', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'])
    // PERCLOS P80 over the rows with a face: 2 s of 9 s shut (the sample-and-hold keeps each frame's time).
    const withFace = rows.filter((r) => r[0] === '1')
    const closed = withFace.filter((r) => 1 - (Number(r[3]) + Number(r[4])) / 2 >= 0.8)
    expect(closed.length / withFace.length).toBeCloseTo(2 / 8.92, 2)
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
    expect(parseEdf(readFileSync(out)).header.reserved).toBe('BDF+C')
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
    expect(parseEdf(readFileSync(join(dir, 'drive-rel.edf'))).header.reserved).toBe('EDF+C')
  })
})
