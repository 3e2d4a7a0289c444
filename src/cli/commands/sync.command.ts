import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from 'pg'
import { VigilError } from '../../shared/errors'
import {
  centralChecksums,
  createAuditLog,
  createLogger,
  createSyncEngine,
  loadConfig,
  localChecksums,
  LOCAL_DB_FILE,
  maskUrl,
  openLocalDatabase,
  type IngestMethod,
  type SyncProgress
} from '../../station'
import { ensureNativeModules } from '../native'
import type { CliCommand } from './types'

const OWN_FLAGS = ['method', 'batch-rows', 'verify']

export const syncCommand: CliCommand = {
  name: 'sync',
  summary: 'push everything recorded locally to the central database, with a progress bar',
  usage: `npm run station -- sync --central-url postgres://... [options]

Sends every row recorded so far that the central database does not have yet, then exits. Safe to run
while the station is running (both skip what is already there) and to interrupt: it resumes where it
stopped. If the central database is unreachable it keeps retrying with back-off until it is back
(Ctrl-C to give up). A progress bar goes to stderr; rows the database refuses are set aside
(quarantined) and listed at the end.

Options:
  --central-url URL    the central database (or VIGIL_CENTRAL_URL / central.url)
  --data-dir DIR       the station's data folder (default: the platform app-data folder)
  --batch-rows N       rows per central transaction (default: central.batchRows, 5000)
  --method copy|unnest how batches are sent (default copy: binary COPY into a staging table)
  --verify             afterwards, compare row counts and content checksums on both sides

Example:
  npm run station -- sync --central-url postgres://vigil@db.lab:5432/vigil --verify`,
  async run(args) {
    const flags = { ...args.flags }
    const method = String(flags.method ?? 'copy') as IngestMethod
    if (method !== 'copy' && method !== 'unnest') throw new VigilError('BAD_REQUEST', '--method must be copy or unnest')
    const batchRowsFlag = flags['batch-rows'] === undefined ? undefined : Number(flags['batch-rows'])
    if (batchRowsFlag !== undefined && !(Number.isInteger(batchRowsFlag) && batchRowsFlag > 0)) throw new VigilError('BAD_REQUEST', '--batch-rows must be a positive whole number')
    const verify = flags.verify === true
    for (const flag of OWN_FLAGS) delete flags[flag]
    const config = loadConfig({ argv: flags })
    const url = config.central.url
    if (!url) throw new VigilError('SYNC_NOT_CONFIGURED', 'which database? pass --central-url postgres://... (or set VIGIL_CENTRAL_URL)')
    const dbFile = join(config.dataDir, LOCAL_DB_FILE)
    if (!existsSync(dbFile)) throw new VigilError('NOT_FOUND', `no station database in ${config.dataDir} (use --data-dir)`)
    ensureNativeModules()
    const db = openLocalDatabase(dbFile)
    const controller = new AbortController()
    const onSignal = () => controller.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const bar = createProgressBar(process.stderr)
    try {
      const stationId = db.prepare("SELECT value FROM station_meta WHERE key = 'station_id'").pluck().get() as string | undefined
      if (!stationId) throw new VigilError('NOT_FOUND', `${dbFile} has no station id yet: start the station once first`)
      const engine = createSyncEngine({
        db,
        stationId,
        stationName: config.stationName,
        centralUrl: url,
        batchRows: batchRowsFlag ?? config.central.batchRows,
        method,
        retryMaxMs: 30_000,
        // A manual run is recorded in the station's audit trail like the station's own sync runs.
        audit: createAuditLog({ db, stationId, logger: createLogger('warn') }),
        requireConsent: config.consent.required,
        logger: createLogger('silent')
      })
      const started = performance.now()
      await engine.syncUntilCaughtUp({ onProgress: bar.update, signal: controller.signal })
      bar.done()
      const status = engine.status()
      if (controller.signal.aborted) {
        process.stderr.write(`Interrupted: ${status.pending_total} row(s) still to sync; run again to resume.\n`)
        return 130
      }
      const seconds = (performance.now() - started) / 1000
      process.stdout.write(`All synced to ${maskUrl(url)}: ${status.synced_total} row(s) in ${seconds.toFixed(1)} s.\n`)
      if (status.quarantined > 0) {
        process.stdout.write(`${status.quarantined} row(s) quarantined (refused by the central database, kept locally in sync_quarantine):\n`)
        for (const q of status.recent_quarantined) process.stdout.write(`  ${q.stream} #${q.local_id}: ${q.error}\n`)
      }
      if (status.consent_held > 0) {
        process.stdout.write(`${status.consent_held} session(s) wait locally: their participant has not consented to central sync (record it, then sync again):\n`)
        for (const h of status.recent_consent_held) process.stdout.write(`  session ${h.session_id} (participant ${h.participant_code ?? 'deleted'})\n`)
      }
      if (verify) return (await verifyBoth(db, url, stationId)) ? 0 : 1
      return 0
    } finally {
      bar.done()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      db.close()
    }
  }
}

async function verifyBoth(db: ReturnType<typeof openLocalDatabase>, url: string, stationId: string): Promise<boolean> {
  const client = new Client({ connectionString: url, application_name: 'vigil-verify' })
  await client.connect()
  try {
    const local = localChecksums(db)
    const central = await centralChecksums(client, stationId)
    let same = true
    for (const [table, sum] of Object.entries(local)) {
      const other = central[table]
      const ok = other.rows === sum.rows && other.sha256 === sum.sha256
      same &&= ok
      process.stdout.write(`  ${ok ? 'ok      ' : 'MISMATCH'} ${table.padEnd(16)} local ${sum.rows} / central ${other.rows} rows  ${sum.sha256.slice(0, 12)} ${other.sha256.slice(0, 12)}\n`)
    }
    process.stdout.write(same ? 'Verified: both sides hold the same rows.\n' : 'Verification FAILED: see the tables marked MISMATCH.\n')
    return same
  } finally {
    await client.end()
  }
}

function createProgressBar(stream: NodeJS.WriteStream) {
  const isTty = stream.isTTY === true
  const width = 30
  let lastPrinted = -1
  let open = false
  return {
    update({ status, remaining, total }: SyncProgress) {
      const fraction = total === 0 ? 1 : Math.min(1, (total - remaining) / total)
      const percent = Math.floor(fraction * 100)
      const filled = Math.round(fraction * width)
      const waiting =
        status.state === 'backoff' && status.last_error
          ? `  waiting for the central database (attempt ${status.consecutive_failures}, next ${status.next_retry_at?.slice(11, 19) ?? '?'}Z): ${status.last_error.message.split('\n')[0].slice(0, 80)}`
          : ''
      const eta = status.eta_s === null || remaining === 0 ? '' : `  ETA ${status.eta_s}s`
      const line = `syncing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${total - remaining}/${total} rows  ${status.rows_per_s} rows/s${eta}${waiting}`
      if (isTty) {
        stream.write(`\r\x1b[2K${line}`)
        open = true
      } else if (Math.floor(percent / 10) !== lastPrinted || waiting) {
        // Logs and CI: one line per 10 %, and every retry.
        lastPrinted = Math.floor(percent / 10)
        stream.write(`${line}\n`)
      }
    },
    done() {
      if (open) stream.write('\n')
      open = false
    }
  }
}
