import { afterEach, describe, expect, it } from 'vitest'
import { nowIso } from '../../../src/station/ids'
import { createTestCentral, createTestLocal, checksumsOf, engineFor, seedLocal, type TestCentral, type TestLocal } from '../../helpers/sync'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function setup(): Promise<{ central: TestCentral; local: TestLocal }> {
  const central = await createTestCentral()
  cleanups.push(() => central.drop())
  const local = createTestLocal()
  cleanups.push(() => local.close())
  return { central, local }
}

async function count(central: TestCentral, table: string): Promise<number> {
  return Number((await central.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)
}

describe('pending rows in the status', () => {
  it('are counted exactly up to the limit, then estimated from the id span (O(1)) and flagged', async () => {
    const local = createTestLocal()
    cleanups.push(() => local.close())
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 3000, eventsPerSession: 20 })
    // A deleted stretch below the high-water mark: the estimate cannot see it, the count can.
    local.db.prepare('DELETE FROM eeg_samples WHERE id BETWEEN 1001 AND 1500').run()
    const exact = engineFor(local, '', { exactCountLimit: 10_000 }).status()
    expect(exact.pending.eeg_samples).toBe(2500)
    expect(exact.pending_exact).toBe(true)
    const estimated = engineFor(local, '', { exactCountLimit: 1000 }).status()
    expect(estimated.pending.eeg_samples).toBe(3000)
    expect(estimated.pending_exact).toBe(false)
    // Small tables stay exact while a large one is estimated.
    expect(estimated.pending.game_events).toBe(exact.pending.game_events)
    expect(estimated.pending_total - exact.pending_total).toBe(500)
  })
})

describe('sync engine against PostgreSQL', { timeout: 120_000 }, () => {
  for (const method of ['copy', 'unnest'] as const) {
    it(`moves every table exactly once (${method}), and a full replay adds nothing`, async () => {
      const { central, local } = await setup()
      seedLocal(local.db, local.stationId, { sessions: 2, samplesPerSession: 3000, eventsPerSession: 20 })
      const engine = engineFor(local, central.url, { method })
      await engine.syncUntilCaughtUp()
      expect(engine.status().pending_total).toBe(0)

      const first = await checksumsOf(local.db, central, local.stationId)
      expect(first.local.eeg_samples.rows).toBe(6000)
      expect(first.central).toEqual(first.local)

      // Forget every cursor (as if the acks were lost) and sync again: the keys make it a no-op.
      local.db.exec('DELETE FROM sync_cursors')
      local.db.exec("INSERT INTO sync_outbox (entity, entity_id) SELECT 'session', id FROM sessions")
      await engineFor(local, central.url, { method }).syncUntilCaughtUp()
      expect(await checksumsOf(local.db, central, local.stationId)).toEqual(first)
      expect(await count(central, 'eeg_data')).toBe(6000)
    })
  }

  it('a replay that starts mid-batch (rows partly central) lands each row once, and new rows after it too', async () => {
    const { central, local } = await setup()
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 5000, seed: 1 })
    await engineFor(local, central.url).syncUntilCaughtUp()
    // As if the acknowledgements of the last batches were lost, and the station recorded on meanwhile.
    local.db.prepare("UPDATE sync_cursors SET last_id = 3100 WHERE stream = 'eeg_samples'").run()
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 7000, seed: 2, startMs: Date.UTC(2026, 10, 1, 12) })
    const engine = engineFor(local, central.url)
    await engine.syncUntilCaughtUp()
    expect(engine.status().pending_total).toBe(0)
    expect(engine.status().quarantined).toBe(0)
    expect(await count(central, 'eeg_data')).toBe(12_000)
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)
  })

  it('two engines of one station syncing the same rows at once (CLI over the worker): each row lands once', async () => {
    const { central, local } = await setup()
    seedLocal(local.db, local.stationId, { sessions: 2, samplesPerSession: 6000, eventsPerSession: 40 })
    await Promise.all([engineFor(local, central.url).syncUntilCaughtUp(), engineFor(local, central.url, { batchRows: 1500 }).syncUntilCaughtUp()])
    expect(await count(central, 'eeg_data')).toBe(12_000)
    expect(await count(central, 'face_events')).toBe(80)
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)
  })

  it('propagates session edits by version and deletions by tombstone', async () => {
    const { central, local } = await setup()
    const { sessionIds } = seedLocal(local.db, local.stationId, { sessions: 3, samplesPerSession: 500 })
    const engine = engineFor(local, central.url)
    await engine.syncUntilCaughtUp()

    local.db.prepare("UPDATE sessions SET notes = 'driver yawned at 12 min', version = version + 1, updated_at = ? WHERE id = ?").run(nowIso(), sessionIds[0])
    local.db.prepare("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = 'tester' WHERE id = 1").run(nowIso())
    local.db.transaction(() => {
      local.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionIds[1])
      local.db.prepare("INSERT INTO tombstones (entity, entity_id, deleted_at) VALUES ('session', ?, ?)").run(sessionIds[1], nowIso())
    })()
    await engine.syncUntilCaughtUp()

    const edited = await central.query('SELECT notes, version FROM sessions WHERE id = $1', [sessionIds[0]])
    expect(edited.rows[0]).toEqual({ notes: 'driver yawned at 12 min', version: 2 })
    expect((await central.query('SELECT acknowledged_by FROM alerts WHERE local_id = 1')).rows[0].acknowledged_by).toBe('tester')
    expect((await central.query('SELECT count(*)::int AS n FROM eeg_data WHERE session_id = $1', [sessionIds[1]])).rows[0].n).toBe(0)
    expect((await central.query('SELECT count(*)::int AS n FROM tombstones')).rows[0].n).toBe(1)
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)

    // An older version arriving late (another copy of the station data, a replay) never wins.
    local.db.exec('DELETE FROM sync_cursors')
    local.db.prepare("UPDATE sessions SET notes = 'stale', version = 1 WHERE id = ?").run(sessionIds[0])
    await engine.syncUntilCaughtUp()
    expect((await central.query('SELECT notes FROM sessions WHERE id = $1', [sessionIds[0]])).rows[0].notes).toBe('driver yawned at 12 min')
  })

  it('finishes when unsynced rows were deleted locally (a session deleted before it ever synced)', async () => {
    const { central, local } = await setup()
    const { sessionIds } = seedLocal(local.db, local.stationId, { sessions: 2, samplesPerSession: 1000 })
    local.db.transaction(() => {
      local.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionIds[1])
      local.db.prepare("INSERT INTO tombstones (entity, entity_id, deleted_at) VALUES ('session', ?, ?)").run(sessionIds[1], nowIso())
    })()
    // A cursor reset as well: the outbox rows it pointed to are gone.
    await engineFor(local, central.url).syncUntilCaughtUp()
    local.db.exec('DELETE FROM sync_cursors')
    await engineFor(local, central.url).syncUntilCaughtUp()
    expect(await count(central, 'eeg_data')).toBe(1000)
    expect(await count(central, 'sessions')).toBe(1)
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)
  })

  it('quarantines bad rows, reports them and syncs everything else', async () => {
    const { central, local } = await setup()
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 5000, eventsPerSession: 40 })
    // Invalid JSON (the central column is jsonb) and a truncated EEG blob.
    local.db.prepare("UPDATE game_events SET data_json = '{not json' WHERE id = 7").run()
    local.db.prepare('UPDATE eeg_samples SET values_f32 = ? WHERE id = 1234').run(Buffer.from([1, 2, 3]))
    local.db.prepare("UPDATE face_events SET data_json = ? WHERE id = 3").run('{"a":"\\u0000"}')
    const engine = engineFor(local, central.url)
    await engine.syncUntilCaughtUp()

    const status = engine.status()
    expect(status.pending_total).toBe(0)
    expect(status.quarantined).toBe(3)
    expect(status.recent_quarantined.map((q) => `${q.stream}:${q.local_id}`).sort()).toEqual(['eeg_samples:1234', 'face_events:3', 'game_events:7'])
    expect(await count(central, 'eeg_data')).toBe(4999)
    expect(await count(central, 'game_events')).toBe(39)
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)
  })

  it('prunes only rows that are synced, older than the retention age, and not quarantined', async () => {
    const { central, local } = await setup()
    const day = 86_400_000
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 1000, startMs: Date.now() - 10 * day, seed: 1 })
    local.db.prepare("UPDATE game_events SET data_json = 'nope' WHERE id = 2").run()
    const engine = engineFor(local, central.url, { pruneSyncedAfterDays: 7 })
    await engine.syncUntilCaughtUp()
    // Recorded after the sync: old but not yet synced, so it must survive pruning.
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 500, startMs: Date.now() - 9 * day, seed: 2 })

    engine.pruneSynced()
    const left = local.db.prepare('SELECT count(*) FROM eeg_samples').pluck().get()
    expect(left).toBe(500)
    expect(local.db.prepare('SELECT id FROM game_events WHERE id <= 20').pluck().all()).toEqual([2])
    await engine.syncUntilCaughtUp()
    expect(await count(central, 'eeg_data')).toBe(1500)
  })

  it('refuses a central database that has not been migrated, and says how to fix it', async () => {
    const central = await createTestCentral(false)
    cleanups.push(() => central.drop())
    const local = createTestLocal()
    cleanups.push(() => local.close())
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 10 })
    const engine = engineFor(local, central.url, { retryBaseMs: 60_000, retryMaxMs: 60_000 })
    const controller = new AbortController()
    const run = engine.syncUntilCaughtUp({ signal: controller.signal })
    await expect.poll(() => engine.status().last_error?.code, { timeout: 30_000 }).toBe('SYNC_NOT_CONFIGURED')
    expect(engine.status().last_error?.message).toMatch(/migrate-central/)
    expect(engine.status().state).toBe('backoff')
    controller.abort()
    await run
  })

  it('reports a full local disk as STORAGE_DISK_FULL and recovers once there is room', async () => {
    const { central, local } = await setup()
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 6000 })
    const pages = local.db.pragma('page_count', { simple: true }) as number
    // Quarantining needs room in SQLite; the cursor write is the other write the sync makes.
    local.db.prepare("UPDATE game_events SET data_json = ? WHERE id = 1").run(`{${'x'.repeat(20_000)}`)
    local.db.pragma(`max_page_count = ${pages}`)
    const engine = engineFor(local, central.url)
    const run = engine.syncUntilCaughtUp()
    await expect.poll(() => engine.status().last_error?.code, { timeout: 30_000 }).toBe('STORAGE_DISK_FULL')
    local.db.pragma('max_page_count = 1073741823')
    await run
    expect(engine.status().quarantined).toBe(1)
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)
  })
})
