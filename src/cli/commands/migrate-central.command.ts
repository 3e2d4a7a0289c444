import { VigilError } from '../../shared/errors'
import { latestCentralVersion, loadConfig, maskUrl, migrateCentral } from '../../station'
import type { CliCommand } from './types'

export const migrateCentralCommand: CliCommand = {
  name: 'migrate-central',
  summary: 'create or upgrade the central PostgreSQL/TimescaleDB schema',
  usage: `npm run station -- migrate-central --central-url postgres://USER:PASSWORD@HOST:5432/DB

Applies migrations/central/*.sql that the database has not seen yet, each in its own transaction,
under a lock (safe if two people run it at once). Stations never do this on their own: run it once per
central database, and again after upgrading Vigil. With the timescaledb extension available (and in
shared_preload_libraries) the time-series tables become hypertables with compression and a
per-minute fatigue continuous aggregate; without it, plain tables with BRIN indexes.

Options:
  --central-url URL   the central database (or VIGIL_CENTRAL_URL, or central.url in the config file)

Example:
  npm run station -- migrate-central --central-url postgres://vigil@db.lab:5432/vigil`,
  async run(args) {
    const config = loadConfig({ argv: args.flags })
    const url = config.central.url
    if (!url) throw new VigilError('SYNC_NOT_CONFIGURED', 'which database? pass --central-url postgres://... (or set VIGIL_CENTRAL_URL)')
    const result = await migrateCentral(url)
    for (const notice of result.notices) process.stderr.write(`note: ${notice}\n`)
    process.stdout.write(
      result.applied.length === 0
        ? `${maskUrl(url)} is up to date (schema version ${latestCentralVersion()}).\n`
        : `${maskUrl(url)}: applied migration(s) ${result.applied.join(', ')}; schema version ${result.version}.\n`
    )
    return 0
  }
}
