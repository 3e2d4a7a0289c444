import Database from 'better-sqlite3'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrateLocalDatabase, openLocalDatabase } from '../../src/station/storage/database'
import { findMigrationsDir, readMigrationFiles } from '../../src/station/storage/migration-files'
import { makeTempDir } from '../helpers/station'

function folder(files: Record<string, string>): string {
  const dir = makeTempDir('vigil-mig-')
  mkdirSync(dir, { recursive: true })
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql)
  return dir
}

describe('migration files', () => {
  it.each(['local', 'central'] as const)('the shipped %s migrations are numbered 1..n without gaps', (kind) => {
    const files = readMigrationFiles(findMigrationsDir(kind))
    expect(files.length).toBeGreaterThan(0)
    expect(files.map((f) => f.version)).toEqual(files.map((_, i) => i + 1))
  })

  it('refuses a gap, a repeat and a malformed name', () => {
    expect(() => readMigrationFiles(folder({ '001_a.sql': '', '003_c.sql': '' }))).toThrow(/expected number 2/)
    expect(() => readMigrationFiles(folder({ '001_a.sql': '', '001_b.sql': '' }))).toThrow(/expected number 2/)
    expect(() => readMigrationFiles(folder({ '001_a.sql': '', '2-b.sql': '' }))).toThrow(/NNN_description/)
  })
})

describe('local database', () => {
  it('opens with WAL and foreign keys and applies every migration once', () => {
    const file = join(makeTempDir(), 'vigil.sqlite')
    const db = openLocalDatabase(file)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    const count = (db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n
    expect(count).toBe(readMigrationFiles(findMigrationsDir('local')).length)
    db.close()
    // Re-opening applies nothing new.
    const again = openLocalDatabase(file)
    expect(migrateLocalDatabase(again, findMigrationsDir('local'))).toEqual([])
    again.close()
  })

  it('applies a failing migration not at all (one transaction per file)', () => {
    const dir = folder({ '001_ok.sql': 'CREATE TABLE a (x INTEGER);', '002_bad.sql': 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);' })
    const db = new Database(':memory:')
    expect(() => migrateLocalDatabase(db, dir)).toThrow(/no such table: nope/)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined()
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }])
  })

  it('refuses a database written by a newer Vigil (unknown migration)', () => {
    const file = join(makeTempDir(), 'vigil.sqlite')
    openLocalDatabase(file).close()
    const raw = new Database(file)
    raw.prepare("INSERT INTO schema_migrations VALUES (999, '999_future.sql', 'x', '2030-01-01')").run()
    raw.close()
    expect(() => openLocalDatabase(file)).toThrow(/migration 999 \(999_future\.sql\) that this version of Vigil does not know/)
  })

  it('refuses an applied migration whose file was edited', () => {
    const dir = folder({ '001_a.sql': 'CREATE TABLE a (x INTEGER);' })
    const db = new Database(':memory:')
    migrateLocalDatabase(db, dir)
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x INTEGER, y INTEGER);')
    expect(() => migrateLocalDatabase(db, dir)).toThrow(/was changed after it was applied/)
  })
})
