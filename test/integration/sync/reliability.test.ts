/**
 * The failures the sync exists for, against the real PostgreSQL service: each test ends with exact row
 * counts and equal content checksums on both sides.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  checksumsOf,
  createTcpProxy,
  createTestCentral,
  createTestLocal,
  engineFor,
  seedLocal,
  type TestCentral,
  type TestLocal
} from '../../helpers/sync'
import { waitUntil } from '../../helpers/wait'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function central(): Promise<TestCentral> {
  const c = await createTestCentral()
  cleanups.push(() => c.drop())
  return c
}

function local(): TestLocal {
  const l = createTestLocal()
  cleanups.push(() => l.close())
  return l
}

async function eegCount(c: TestCentral): Promise<number> {
  return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM eeg_data')).rows[0].n)
}

async function expectIdentical(l: TestLocal, c: TestCentral, eegRows: number): Promise<void> {
  const sums = await checksumsOf(l.db, c, l.stationId)
  expect(sums.local.eeg_samples.rows).toBe(eegRows)
  expect(sums.central).toEqual(sums.local)
}

// Generous: on a loaded 2-core machine child processes and PostgreSQL are slow to start.
describe('sync reliability', { timeout: 180_000 }, () => {
  it('central database unreachable for the whole recording, then back: resumes by itself, nothing lost or doubled', async () => {
    const c = await central()
    const l = local()
    const proxy = await createTcpProxy()
    cleanups.push(() => proxy.close())
    const engine = engineFor(l, proxy.url(c.name), { retryBaseMs: 20, retryMaxMs: 200, connectTimeoutMs: 1000 })
    cleanups.push(() => engine.stop())
    engine.start()

    // "Record" in several chunks while the database is away, each after another failed attempt.
    for (let chunk = 0; chunk < 4; chunk++) {
      seedLocal(l.db, l.stationId, { sessions: 1, samplesPerSession: 2500, seed: chunk, startMs: Date.UTC(2026, 10, 2, 8 + chunk) })
      await expect.poll(() => engine.status().consecutive_failures, { timeout: 30_000 }).toBeGreaterThan(chunk)
    }
    await expect.poll(() => engine.status().consecutive_failures, { timeout: 30_000 }).toBeGreaterThan(2)
    const offline = engine.status()
    expect(offline.state).toBe('backoff')
    expect(offline.pending.eeg_samples).toBe(10_000)
    expect(offline.last_error).not.toBeNull()

    await proxy.listen()
    await expect.poll(() => engine.status().pending_total, { timeout: 60_000 }).toBe(0)
    await engine.stop()
    expect(engine.status().last_error).toBeNull()
    expect(await eegCount(c)).toBe(10_000)
    await expectIdentical(l, c, 10_000)
  })

  it('connection killed mid-batch with pg_terminate_backend: the batch is retried and lands once', async () => {
    const c = await central()
    const l = local()
    seedLocal(l.db, l.stationId, { sessions: 3, samplesPerSession: 10_000 })
    const engine = engineFor(l, c.url, { batchRows: 2000 })
    let kills = 0
    const done = engine.syncUntilCaughtUp()
    const progress = { finished: false }
    void done.finally(() => (progress.finished = true))
    // Kill the sync's backend whenever it is inside a transaction (sending or committing a batch).
    while (!progress.finished && kills < 3) {
      const res = await c.query<{ killed: boolean }>(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'vigil-sync' AND state IN ('active', 'idle in transaction')"
      )
      const killed = res.rows.filter((r) => r.killed).length
      kills += killed
      if (killed === 0) continue
      // Let the retried batch land before the next kill.
      const landed = await eegCount(c)
      await waitUntil(async () => progress.finished || (await eegCount(c)) > landed, { timeoutMs: 60_000, intervalMs: 20, what: 'a batch landing after the kill' })
    }
    await done
    expect(kills).toBeGreaterThanOrEqual(3)
    expect(engine.status().pending_total).toBe(0)
    expect(await eegCount(c)).toBe(30_000)
    await expectIdentical(l, c, 30_000)
  })

  it('station process SIGKILLed mid-sync and restarted: finishes with no loss and no duplicates', async () => {
    const c = await central()
    const l = local()
    seedLocal(l.db, l.stationId, { sessions: 2, samplesPerSession: 20_000 })
    l.db.close()
    const child = join(import.meta.dirname, 'fixtures', 'sync-child.ts')
    const run = () => spawn(process.execPath, ['--import', 'tsx', child, l.file, c.url], { stdio: ['ignore', 'pipe', 'pipe'] })

    const first = run()
    let firstErr = ''
    first.stderr.on('data', (d: Buffer) => (firstErr += d.toString()))
    let firstDone = false
    const firstExit = new Promise<NodeJS.Signals | null>((resolve) =>
      first.on('exit', (_code, signal) => {
        firstDone = true
        resolve(signal)
      })
    )
    await expect
      .poll(
        async () => {
          if (firstDone) throw new Error(`sync child exited before it was killed: ${firstErr}`)
          return eegCount(c)
        },
        { timeout: 90_000, interval: 20 }
      )
      .toBeGreaterThan(0)
    first.kill('SIGKILL')
    expect(await firstExit).toBe('SIGKILL')
    const partial = await eegCount(c)
    expect(partial).toBeLessThan(40_000)

    const second = run()
    let out = ''
    second.stdout.on('data', (d: Buffer) => (out += d.toString()))
    let err = ''
    second.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve))
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toContain('synced')

    const { openLocalDatabase } = await import('../../../src/station/storage/database')
    l.db = openLocalDatabase(l.file)
    expect(await eegCount(c)).toBe(40_000)
    await expectIdentical(l, c, 40_000)
  })

  it('two stations syncing the same participant into one database at once', async () => {
    const c = await central()
    const a = local()
    const b = local()
    seedLocal(a.db, a.stationId, { sessions: 3, samplesPerSession: 5000, participantCode: 'P-042', seed: 1 })
    seedLocal(b.db, b.stationId, { sessions: 3, samplesPerSession: 5000, participantCode: 'P-042', seed: 2 })
    await Promise.all([engineFor(a, c.url, { batchRows: 1500 }).syncUntilCaughtUp(), engineFor(b, c.url, { batchRows: 1500, method: 'unnest' }).syncUntilCaughtUp()])

    expect(await eegCount(c)).toBe(30_000)
    const perParticipant = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM sessions WHERE participant_code = 'P-042'")
    expect(perParticipant.rows[0].n).toBe(6)
    const stations = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM stations')
    expect(stations.rows[0].n).toBe(2)
    await expectIdentical(a, c, 15_000)
    await expectIdentical(b, c, 15_000)
  })
})
