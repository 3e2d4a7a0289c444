import { existsSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { VigilError } from '../../shared/errors'
import { DEFAULT_EXPORT_FORMAT, EXPORT_FORMAT_NAMES, EXPORT_FORMATS, isExportFormat } from '../../shared/export-formats'
import { assertConsent, findSession, loadConfig, LOCAL_DB_FILE, openLocalDatabase, prepareSessionExport, resolveUserPath, VIGIL_VERSION, type ExportFile, type ExportPhase } from '../../station'
import { ensureNativeModules } from '../native'
import type { CliCommand } from './types'

const OWN_FLAGS = ['format', 'out', 'line-hz', 'bids-eeg', 'gaps', 'deidentify']
const HELP_WIDTH = 92

/** `  name  details` per format, the details wrapped under their own column. */
function formatHelp(): string {
  const nameWidth = Math.max(...EXPORT_FORMAT_NAMES.map((name) => name.length)) + 2
  const indent = ' '.repeat(2 + nameWidth)
  return EXPORT_FORMAT_NAMES.map((name) => {
    const lines: string[] = []
    let line = ''
    for (const word of EXPORT_FORMATS[name].details.split(' ')) {
      if (line && indent.length + line.length + 1 + word.length > HELP_WIDTH) {
        lines.push(line)
        line = word
      } else line = line ? `${line} ${word}` : word
    }
    lines.push(line)
    return lines.map((text, i) => (i === 0 ? `  ${name.padEnd(nameWidth)}` : indent) + text).join('\n')
  }).join('\n')
}

function orList(names: readonly string[]): string {
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write a recorded session as BDF+/EDF+, CSV or a BIDS-EEG zip',
  usage: `npm run station -- export <session-id> --format ${EXPORT_FORMAT_NAMES.join('|')} --out FILE [options]

Reads the session from the station's local database (the station may be running) and writes:
${formatHelp()}
Gaps (headset drops, reconnects, pauses) are annotated BAD_data_gap; see --gaps.
A progress bar goes to stderr; the file appears only once it is complete.

Options:
  --format FMT      ${orList(EXPORT_FORMAT_NAMES.map((name) => (name === DEFAULT_EXPORT_FORMAT ? `${name} (default)` : name)))}
  --out FILE        where to write (default: a name from the participant and session, in the
                    folder you ran npm from; relative paths are meant from there too)
  --data-dir DIR    the station's data folder (default: the platform app-data folder)
  --line-hz 50|60   mains frequency for BIDS PowerLineFrequency (default: the station's fatigue.mainsHz)
  --bids-eeg bdf|edf  data file format inside a BIDS export (default bdf)
  --gaps fill|discontinuous
                    records without samples: written as 0 µV and annotated BAD_data_gap, so the
                    file is +C and every reader places every sample right (default), or left out
                    as BDF+D/EDF+D (EDFbrowser reads it; MNE-Python reads +D as if continuous)
  --deidentify true|false
                    shift dates by a secret per-dataset offset, bin ages above 89, drop notes
                    (default true for bids, false for the rest; docs/export.md)
  --require-consent false
                    export although the participant has not consented to data sharing
                    (default: refused, like the station)

Examples:
  npm run station -- export 0193a7c2-... --format bdf --out drive.bdf
  npm run station -- export 0193a7c2-... --format bids --out P07-ses1.zip --data-dir ./vigil-data`,
  async run(args) {
    const sessionId = args.positionals[0]
    if (!sessionId) throw new VigilError('BAD_REQUEST', 'which session? usage: export <session-id> --format bdf --out FILE')
    const flags = { ...args.flags }
    const format = String(flags.format ?? DEFAULT_EXPORT_FORMAT)
    if (!isExportFormat(format)) throw new VigilError('BAD_REQUEST', `--format must be one of ${EXPORT_FORMAT_NAMES.join(', ')}`)
    const bidsEeg = String(flags['bids-eeg'] ?? 'bdf')
    if (bidsEeg !== 'bdf' && bidsEeg !== 'edf') throw new VigilError('BAD_REQUEST', '--bids-eeg must be bdf or edf')
    const gaps = flags.gaps === undefined ? undefined : String(flags.gaps)
    if (gaps !== undefined && gaps !== 'discontinuous' && gaps !== 'fill') throw new VigilError('BAD_REQUEST', '--gaps must be discontinuous or fill')
    const out = typeof flags.out === 'string' ? resolveUserPath(flags.out) : null
    const deidentifyFlag = flags.deidentify === undefined ? undefined : String(flags.deidentify)
    if (deidentifyFlag !== undefined && deidentifyFlag !== 'true' && deidentifyFlag !== 'false') throw new VigilError('BAD_REQUEST', '--deidentify must be true or false')
    const lineHzFlag = flags['line-hz']
    for (const flag of OWN_FLAGS) delete flags[flag]
    const config = loadConfig({ argv: flags })
    const lineHz = lineHzFlag === undefined ? config.fatigue.mainsHz : Number(lineHzFlag)
    if (lineHz !== 50 && lineHz !== 60) throw new VigilError('BAD_REQUEST', '--line-hz must be 50 or 60')

    const dbFile = join(config.dataDir, LOCAL_DB_FILE)
    if (!existsSync(dbFile)) throw new VigilError('NOT_FOUND', `no station database in ${config.dataDir} (use --data-dir)`)
    ensureNativeModules()
    const db = openLocalDatabase(dbFile)
    const progress = createProgressBar(process.stderr)
    try {
      const session = findSession(db, sessionId)
      if (session) assertConsent({ db, config }, session.participantCode, 'data_sharing')
      const job = await prepareSessionExport(db, sessionId, format, {
        deidentify: deidentifyFlag === undefined ? undefined : deidentifyFlag === 'true',
        powerLineHz: lineHz,
        vigilVersion: VIGIL_VERSION,
        lab: config.lab,
        bidsEegFormat: bidsEeg,
        gaps,
        onProgress: progress.update
      })
      // A format of several files (CSV) goes into one zip when --out names a zip.
      const asZip = out !== null && extname(out).toLowerCase() === '.zip'
      const files = asZip || job.files.length === 1 ? [job.download()] : job.files
      const targets = files.map((file, i) => ({ file, path: targetPath(out, file, i) }))
      for (const { file, path } of targets) await writeAtomically(file, path)
      progress.done()
      const s = job.timeline
      process.stdout.write(
        `${targets.map((t) => t.path).join('\n')}\n${s.sampleCount} samples, ${s.gaps.length} gap(s), ${job.events.length} annotation(s), ${(s.slotCount / s.sampleRateHz).toFixed(1)} s\n`
      )
      return 0
    } catch (err) {
      progress.done()
      throw err
    } finally {
      db.close()
    }
  }
}

/** --out names the first file; later ones (CSV events, fatigue) take its name with their suffix. */
function targetPath(out: string | null, file: ExportFile, index: number): string {
  if (out === null) return resolveUserPath(file.name)
  if (index === 0) return out
  const suffix = file.name.slice(file.name.lastIndexOf('_'))
  return join(dirname(out), `${basename(out, extname(out))}${suffix}`)
}

/** Writes to FILE.partial and renames at the end, so a failed export never leaves a truncated file. */
async function writeAtomically(file: ExportFile, path: string): Promise<void> {
  const partial = `${path}.partial`
  const handle = await open(partial, 'w')
  try {
    for (const chunk of file.chunks()) await handle.write(chunk)
    await handle.close()
    await rename(partial, path)
  } catch (err) {
    await handle.close().catch(() => undefined)
    await rm(partial, { force: true })
    throw err
  }
}

function createProgressBar(stream: NodeJS.WriteStream) {
  const isTty = stream.isTTY === true
  let lastLine = ''
  let lastPercent = -1
  const width = 30
  return {
    update(phase: ExportPhase, done: number, total: number) {
      // The scan is the first half of the work, the write the second.
      const fraction = (phase === 'scan' ? 0 : 0.5) + (total > 0 ? done / total : 1) / 2
      const percent = Math.floor(fraction * 100)
      if (percent === lastPercent) return
      lastPercent = percent
      const filled = Math.round(fraction * width)
      const line = `${phase === 'scan' ? 'reading' : 'writing'} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${done}/${total} samples`
      if (isTty) stream.write(`\r${line}`)
      else if (percent % 10 === 0) stream.write(`${line}\n`)
      lastLine = line
    },
    done() {
      if (isTty && lastLine) stream.write('\n')
      lastLine = ''
    }
  }
}
