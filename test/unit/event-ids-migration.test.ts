/**
 * Local migration 007 on a database that already holds face and game events (written under 003's
 * identity): every old row keeps a key of its own that no producer can send, and afterwards two
 * different events with the same kind and time can both be stored.
 */
import Database from 'better-sqlite3'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrateLocalDatabase } from '../../src/station/storage/database'
import { findMigrationsDir, readMigrationFiles } from '../../src/station/storage/migration-files'
import { makeTempDir } from '../helpers/station'

describe('migration 007: event ids', () => {
  it('gives stored events their own keys and lets events with the same kind and time coexist', () => {
    const all = readMigrationFiles(findMigrationsDir('local'))
    const before = makeTempDir('vigil-mig8-')
    mkdirSync(before, { recursive: true })
    for (const m of all.filter((f) => f.version < 7)) copyFileSync(join(findMigrationsDir('local'), m.name), join(before, m.name))
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrateLocalDatabase(db, before)
    db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES ('u', 'u@lab.test', 'admin', 'x', 'now', 'now')").run()
    db.prepare("INSERT INTO sessions (id, station_id, name, participant_code, status, created_by, created_at, updated_at) VALUES ('s', 'st', 'r', 'P01', 'recording', 'u', 'now', 'now')").run()
    db.prepare("INSERT INTO face_events (session_id, t_ms, kind, data_json) VALUES ('s', 1000, 'blink', '{\"durationMs\":100}'), ('s', 2000, 'blink', '{}')").run()
    db.prepare("INSERT INTO game_events (session_id, t_ms, kind, data_json) VALUES ('s', 1000, 'state', '{}')").run()

    expect(migrateLocalDatabase(db, findMigrationsDir('local'))).toContain(7)
    const keys = db.prepare('SELECT id, event_id FROM face_events ORDER BY id').all() as { id: number; event_id: string }[]
    expect(keys.map((k) => k.event_id)).toEqual(keys.map((k) => `#${k.id}`))
    expect(db.prepare('SELECT event_id FROM game_events').pluck().all()).toEqual(['#1'])
    const insert = db.prepare("INSERT INTO face_events (session_id, t_ms, kind, data_json, event_id) VALUES ('s', 1000, 'blink', ?, ?)")
    insert.run('{"durationMs":180}', 'p:1')
    expect(() => insert.run('{"durationMs":180}', 'p:1')).toThrow(/UNIQUE/)
    expect(db.prepare("SELECT count(*) FROM face_events WHERE t_ms = 1000 AND kind = 'blink'").pluck().get()).toBe(2)
    db.close()
  })
})
