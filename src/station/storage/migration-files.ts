/**
 * Numbered, forward-only SQL migrations, shared by the local (SQLite) and central (PostgreSQL) runners.
 * Files are `NNN_description.sql`, numbered 1, 2, 3 ... without gaps or repeats.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VigilError } from '../../shared/errors'
import { findUp } from '../paths'

export interface MigrationFile {
  version: number
  name: string
  sql: string
  /** SHA-256 of the file text: an applied migration must never change. */
  checksum: string
}

const FILE_PATTERN = /^(\d{3,})_([a-z0-9_]+)\.sql$/

export function findMigrationsDir(kind: 'local' | 'central'): string {
  const dir = findUp(join('migrations', kind))
  if (!dir) throw new Error(`migrations/${kind} not found above the station code`)
  return dir
}

/** Reads and validates a migrations folder. Throws on a malformed name, a gap or a duplicate number. */
export function readMigrationFiles(dir: string): MigrationFile[] {
  const problems: string[] = []
  const files: MigrationFile[] = []
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.sql')) continue
    const match = FILE_PATTERN.exec(entry)
    if (!match) {
      problems.push(`${entry}: expected NNN_description.sql (lowercase, digits, underscores)`)
      continue
    }
    const sql = readFileSync(join(dir, entry), 'utf8')
    files.push({ version: Number(match[1]), name: entry, sql, checksum: createHash('sha256').update(sql).digest('hex') })
  }
  files.sort((a, b) => a.version - b.version)
  files.forEach((file, index) => {
    if (file.version !== index + 1) problems.push(`${file.name}: expected number ${index + 1} (migrations are numbered 1, 2, 3 ... without gaps or repeats)`)
  })
  if (problems.length > 0) throw new Error(`Bad migrations in ${dir}:\n  - ${problems.join('\n  - ')}`)
  return files
}

export interface AppliedMigration {
  version: number
  name: string
  checksum: string
}

/**
 * Compares what a database has applied with what the code knows. A database that is ahead of the code
 * (a newer Vigil wrote it) or whose applied files were edited is refused rather than guessed at.
 */
export function planMigrations(known: MigrationFile[], applied: AppliedMigration[], where: string): MigrationFile[] {
  const byVersion = new Map(known.map((m) => [m.version, m]))
  for (const row of applied) {
    const file = byVersion.get(row.version)
    if (!file) {
      throw new VigilError(
        'STORAGE_UNKNOWN_MIGRATION',
        `${where} has migration ${row.version} (${row.name}) that this version of Vigil does not know. ` +
          'It was written by a newer Vigil: upgrade Vigil, or point it at another data directory.',
        { version: row.version, name: row.name }
      )
    }
    if (file.checksum !== row.checksum) {
      throw new VigilError(
        'STORAGE_UNKNOWN_MIGRATION',
        `${where}: migration ${row.version} (${row.name}) was changed after it was applied. Migrations are forward-only: add a new file instead.`,
        { version: row.version, name: row.name }
      )
    }
  }
  const done = new Set(applied.map((a) => a.version))
  return known.filter((m) => !done.has(m.version))
}
