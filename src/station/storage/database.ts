/**
 * The station's local SQLite database: opened with WAL and foreign keys, migrated on open.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { findMigrationsDir, planMigrations, readMigrationFiles, type AppliedMigration } from './migration-files'

export type LocalDatabase = Database.Database

export const LOCAL_DB_FILE = 'vigil.sqlite'

export interface OpenDatabaseOptions {
  migrationsDir?: string
}

/** Opens (creating if needed) and migrates the database at `file` (`:memory:` works for tests). */
export function openLocalDatabase(file: string, options: OpenDatabaseOptions = {}): LocalDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    // NORMAL in WAL mode is durable against application crashes; only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrateLocalDatabase(db, options.migrationsDir ?? findMigrationsDir('local'), file)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/** Applies pending migrations, each in its own transaction. Returns the versions applied. */
export function migrateLocalDatabase(db: LocalDatabase, migrationsDir: string, where = 'the local database'): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL
  ) STRICT`)
  const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedMigration[]
  const pending = planMigrations(readMigrationFiles(migrationsDir), applied, where)
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql)
      record.run(migration.version, migration.name, migration.checksum, new Date().toISOString())
    })()
  }
  return pending.map((m) => m.version)
}
