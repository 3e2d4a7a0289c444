/**
 * Export throughput for a one-hour 8-channel 250 Hz session (900,000 samples, one 2 s drop), generated
 * into a temporary SQLite first. Every format is run end to end (both passes over the rows, encoding,
 * zipping) with the output counted and thrown away, so the figure is the export, not the disk.
 *
 * Baseline, same run: reading the same rows with one raw better-sqlite3 statement and touching every
 * blob (better-sqlite3 copies it into a Buffer), i.e. the cost no export can avoid (the export reads the rows twice: range scan, then write).
 * MB/s are of EEG input (900,000 × 8 × 4 bytes of Float32 µV) and of bytes produced.
 *
 *   npm run bench -- export        (or: npx tsx bench/export.bench.ts)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXPORT_FORMAT_NAMES } from '../src/shared/export-formats'
import { prepareSessionExport } from '../src/station/export/session-export'
import { openLocalDatabase } from '../src/station/storage/database'
import { seedExportSession } from '../test/helpers/export-session'

const SECONDS = 3600
const RATE_HZ = 250
const CHANNELS = 8
const ROUNDS = 2

const dir = mkdtempSync(join(tmpdir(), 'vigil-export-bench-'))
try {
  const db = openLocalDatabase(join(dir, 'bench.sqlite'))
  let t = performance.now()
  const { sessionId } = seedExportSession(db, { seconds: SECONDS, sampleRateHz: RATE_HZ, channelCount: CHANNELS, drops: [[450_000, 500]] })
  const rows = (db.prepare('SELECT count(*) AS n FROM eeg_samples').get() as { n: number }).n
  console.log(`generated ${rows} samples (${CHANNELS} ch × ${RATE_HZ} Hz, ${SECONDS} s, one 2 s drop) in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  const inputMb = (rows * CHANNELS * 4) / 1e6

  const raw = db.prepare('SELECT seq, t_ms, values_f32 FROM eeg_samples WHERE session_id = ? ORDER BY seq').raw(true)
  function baseline(): number {
    let bytes = 0
    for (const row of raw.iterate(sessionId) as IterableIterator<[number, number, Buffer]>) bytes += row[2].length
    return bytes
  }

  const results: { name: string; seconds: number; outMb: number }[] = []
  const best = (run: () => number | Promise<number>) => async () => {
    let seconds = Infinity
    let out = 0
    for (let i = 0; i < ROUNDS; i++) {
      t = performance.now()
      out = await run()
      seconds = Math.min(seconds, (performance.now() - t) / 1000)
    }
    return { seconds, outMb: out / 1e6 }
  }

  results.push({ name: 'baseline: raw row read', ...(await best(baseline)()) })
  for (const format of EXPORT_FORMAT_NAMES) {
    const measured = await best(async () => {
      const job = await prepareSessionExport(db, sessionId, format, { powerLineHz: 50, vigilVersion: 'bench' })
      let bytes = 0
      for (const chunk of job.download().chunks()) bytes += chunk.length
      return bytes
    })()
    results.push({ name: `export ${format}`, ...measured })
  }

  const base = results[0].seconds
  console.log(`\n${'run'.padEnd(24)}${'time s'.padStart(9)}${'in MB/s'.padStart(10)}${'out MB'.padStart(9)}${'out MB/s'.padStart(10)}${'× baseline'.padStart(12)}`)
  for (const r of results) {
    const outMb = r.name.startsWith('baseline') ? inputMb : r.outMb
    console.log(
      `${r.name.padEnd(24)}${r.seconds.toFixed(2).padStart(9)}${(inputMb / r.seconds).toFixed(1).padStart(10)}${outMb.toFixed(1).padStart(9)}${(outMb / r.seconds).toFixed(1).padStart(10)}${(r.seconds / base).toFixed(1).padStart(12)}`
    )
  }
  console.log(`\n(best of ${ROUNDS}; "× baseline" = time relative to reading the rows once; an export reads them twice)`)
  db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
