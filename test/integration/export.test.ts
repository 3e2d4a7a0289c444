import { strFromU8, unzipSync } from 'fflate'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/args'
import { exportCommand } from '../../src/cli/commands/export.command'
import { prepareSessionExport, type ExportFormat } from '../../src/station/export/session-export'
import { LOCAL_DB_FILE, openLocalDatabase, type LocalDatabase } from '../../src/station/storage/database'
import { parseEdf } from '../helpers/edf-reader'
import { SEED_START_MS, seedExportSession, type SeededSession } from '../helpers/export-session'
import { makeTempDir } from '../helpers/station'

const GOLDEN_DIR = resolve(import.meta.dirname, '../fixtures/export/bids')
const OPTIONS = { powerLineHz: 50, vigilVersion: '9.9.9' }

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

  it('annotates markers, game events (not the driving telemetry), alerts and the gap with onset and text', async () => {
    const file = parseEdf(await exportBytes(db, seeded.sessionId, 'edf'))
    expect(file.header.reserved).toBe('EDF+D')
    const tals = file.records.flatMap((r) => r.tals).map((t) => [t.onsetS, t.durationS, t.texts.join('|')])
    expect(tals).toEqual([
      [1.25, null, 'eyes_closed'],
      [1.75, null, 'stimulus_shown stimulusId=1 stimulusKind=brake_lights'],
      [2.162, null, 'response stimulusId=1 via=brake simReactionTimeMs=412 isLapse=false'],
      [2.75, null, 'note: yawned, said "tired"'],
      [3.05, 2.4, 'BAD_data_gap 600 samples missing'],
      [3.25, null, 'lane_departure side=left laneOffsetM=-1.9'],
      [4.25, null, 'kss_answer promptId=1 value=7 latencyMs=2100'],
      [4.75, null, 'alert perclos (warning): PERCLOS above 30% for 60 s']
    ])
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

  it('writes CSV: a wide samples file with gap-aware time, and an events file', async () => {
    const job = await prepareSessionExport(db, seeded.sessionId, 'csv', OPTIONS)
    expect(job.files.map((f) => f.name)).toEqual(['vigil_sub-P07_ses-1_samples.csv', 'vigil_sub-P07_ses-1_events.csv'])
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
    // One download: both files in a zip.
    const zip = unzipSync(await exportBytes(db, seeded.sessionId, 'csv'))
    expect(Object.keys(zip).sort()).toEqual(['vigil_sub-P07_ses-1_events.csv', 'vigil_sub-P07_ses-1_samples.csv'])
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
        `${root}/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_events.tsv`
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

  it('numbers BIDS sessions per participant and refuses sessions without EEG', async () => {
    const second = seedExportSession(db, { seconds: 2, withEvents: false, startMs: SEED_START_MS + 86_400_000 })
    const job = await prepareSessionExport(db, second.sessionId, 'bids', OPTIONS)
    expect(job.download().name).toBe('vigil_sub-P07_ses-2.zip')
    db.prepare('DELETE FROM eeg_samples WHERE session_id = ?').run(second.sessionId)
    await expect(prepareSessionExport(db, second.sessionId, 'bdf', OPTIONS)).rejects.toMatchObject({ code: 'EXPORT_EMPTY_SESSION' })
    await expect(prepareSessionExport(db, 'no-such-session', 'bdf', OPTIONS)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('exports from the command line with a progress report on stderr', async () => {
    db.close()
    const out = join(dir, 'drive.bdf')
    const stderr: string[] = []
    const stdout: string[] = []
    const originalErr = process.stderr.write.bind(process.stderr)
    const originalOut = process.stdout.write.bind(process.stdout)
    process.stderr.write = ((chunk: string) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write
    process.stdout.write = ((chunk: string) => stdout.push(String(chunk)) > 0) as typeof process.stdout.write
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
    expect(stderr.join('')).toMatch(/writing \[#+\] 100%/)
    expect(stdout.join('')).toContain('900 samples, 1 gap(s), 8 annotation(s), 6.0 s')
  })
})
