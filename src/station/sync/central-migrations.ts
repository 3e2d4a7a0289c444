/**
 * Applies migrations/central/*.sql to the central PostgreSQL database: explicitly, from
 * `npm run station -- migrate-central`, never as a side effect of a station starting. Each file runs in
 * its own transaction under an advisory lock, so two operators running it at once cannot interleave.
 */
import { Client, type ClientBase } from 'pg'
import { VigilError } from '../../shared/errors'
import { maskUrl } from '../config'
import { findMigrationsDir, planMigrations, readMigrationFiles, type AppliedMigration } from '../storage/migration-files'

/** Arbitrary constant: the advisory lock key of Vigil's central migrations. */
const MIGRATION_LOCK_KEY = 74_871_001

export interface CentralMigrationResult {
  applied: number[]
  /** Highest version present after the run. */
  version: number
  /** Messages the migrations raised (e.g. which TimescaleDB branch ran). */
  notices: string[]
}

export async function migrateCentral(url: string, migrationsDir = findMigrationsDir('central')): Promise<CentralMigrationResult> {
  const known = readMigrationFiles(migrationsDir)
  const client = new Client({ connectionString: url, application_name: 'vigil-migrate' })
  const notices: string[] = []
  client.on('notice', (n) => notices.push(n.message ?? String(n)))
  try {
    await client.connect()
  } catch (err) {
    throw new VigilError('SYNC_CENTRAL_UNAVAILABLE', `Cannot connect to the central database ${maskUrl(url)}: ${(err as Error).message}`)
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    notices.length = 0 // only what the migrations themselves say
    const applied = (await client.query<AppliedMigration>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows
    const pending = planMigrations(known, applied, `The central database ${maskUrl(url)}`)
    for (const migration of pending) {
      await client.query('BEGIN')
      try {
        await client.query(migration.sql)
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw new VigilError('INTERNAL', `Central migration ${migration.name} failed: ${(err as Error).message}`, { migration: migration.name })
      }
    }
    return { applied: pending.map((m) => m.version), version: known.length === 0 ? 0 : known[known.length - 1].version, notices }
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** The newest central migration this version of Vigil knows. */
export function latestCentralVersion(migrationsDir = findMigrationsDir('central')): number {
  const files = readMigrationFiles(migrationsDir)
  return files.length === 0 ? 0 : files[files.length - 1].version
}

/**
 * Refuses to sync into a database that lacks the tables this station writes. Newer central schemas are
 * accepted: central migrations are additive, so an older station keeps working against them.
 */
export async function assertCentralReady(client: ClientBase, requiredVersion: number, url: string): Promise<void> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")
  const version = exists.rows[0].t
    ? ((await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')).rows[0].version ?? 0)
    : 0
  if (version < requiredVersion) {
    throw new VigilError(
      'SYNC_NOT_CONFIGURED',
      `The central database ${maskUrl(url)} is at schema version ${version}, this station needs ${requiredVersion}. ` +
        `Run: npm run station -- migrate-central --central-url <url>`,
      { version, requiredVersion }
    )
  }
}
