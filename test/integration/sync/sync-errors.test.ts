/** Local storage failures and retry pacing, without PostgreSQL. */
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { storageErrorOf } from '../../../src/station/storage/storage-errors'
import { backoffDelayMs } from '../../../src/station/sync/sync-engine'
import { createRandom } from '../../../src/shared/random'
import { createTestLocal, type TestLocal } from '../../helpers/sync'

let local: TestLocal | null = null
afterEach(() => {
  local?.close()
  local = null
})

function sqliteError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected SQLite to fail')
}

describe('local storage errors', () => {
  it('a full disk becomes STORAGE_DISK_FULL and the failed transaction leaves the database intact', () => {
    local = createTestLocal()
    const { db } = local
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
    const before = db.prepare('SELECT count(*) FROM sync_quarantine').pluck().get()
    const err = sqliteError(() =>
      db.transaction(() => {
        for (let i = 0; i < 1000; i++) {
          db.prepare("INSERT INTO sync_quarantine (stream, local_id, error, row_json, quarantined_at) VALUES ('s', ?, 'e', ?, 'now')").run(String(i), 'x'.repeat(500))
        }
      })()
    )
    const mapped = storageErrorOf(err, 'Saving rows')
    expect(mapped?.code).toBe('STORAGE_DISK_FULL')
    expect(mapped?.message).toMatch(/Saving rows: the disk holding the station database is full/)
    expect(db.prepare('SELECT count(*) FROM sync_quarantine').pluck().get()).toBe(before)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
  })

  it('a read-only database becomes STORAGE_READ_ONLY', () => {
    local = createTestLocal()
    const ro = new Database(local.file, { readonly: true })
    try {
      const err = sqliteError(() => ro.prepare("INSERT INTO sync_cursors (stream, last_id, updated_at) VALUES ('x', 1, 'now')").run())
      expect(storageErrorOf(err, 'Recording sync progress')?.code).toBe('STORAGE_READ_ONLY')
    } finally {
      ro.close()
    }
    expect(storageErrorOf(new Error('other'), 'x')).toBeNull()
  })
})

describe('retry pacing', () => {
  it('doubles up to the cap, with jitter within [ceiling/2, ceiling]', () => {
    const rnd = createRandom(7)
    for (let attempt = 1; attempt <= 20; attempt++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (attempt - 1))
      const d = backoffDelayMs(attempt, 1000, 60_000, rnd)
      expect(d).toBeGreaterThanOrEqual(ceiling / 2)
      expect(d).toBeLessThanOrEqual(ceiling)
    }
    expect(backoffDelayMs(1, 1000, 60_000, () => 0)).toBe(500)
    expect(backoffDelayMs(50, 1000, 60_000, () => 0.999999)).toBe(60_000)
  })
})
