import { afterEach, describe, expect, it } from 'vitest'
import { newId, nowIso } from '../../src/station/ids'
import { createManualClock } from '../helpers/clock'
import { startTestStation, type TestStation } from '../helpers/station'

function insertSession(t: TestStation): string {
  const { db, stationId } = t.station.ctx
  const userId = newId()
  const sessionId = newId()
  db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (?, ?, 'admin', 'x', ?, ?)").run(userId, `${userId}@lab.test`, nowIso(), nowIso())
  db.prepare("INSERT INTO sessions (id, station_id, name, participant_code, status, created_by, created_at, updated_at) VALUES (?, ?, 'r', 'P01', 'recording', ?, ?, ?)").run(sessionId, stationId, userId, nowIso(), nowIso())
  return sessionId
}

describe('recorder', () => {
  let t: TestStation
  afterEach(() => t?.close())

  it('stores the headset stream of the bound session with consecutive sequence numbers, even across a reconnect', async () => {
    const clock = createManualClock()
    t = await startTestStation({ device: { kind: 'simulated' } }, { clock })
    const { ctx } = t.station
    const sessionId = insertSession(t)
    ctx.recorder.bind(sessionId)
    clock.advance(300)
    await ctx.devices.connect({ kind: 'simulated' }) // device counter restarts at 0
    clock.advance(300)
    ctx.recorder.bind(null)
    await ctx.recorder.flush()
    const rows = ctx.db.prepare('SELECT seq, length(values_f32) AS bytes FROM eeg_samples WHERE session_id = ? ORDER BY seq').all(sessionId) as { seq: number; bytes: number }[]
    expect(rows.length).toBeGreaterThan(50)
    expect(rows.every((r, i) => r.seq === i)).toBe(true)
    expect(rows[0].bytes).toBe(8 * 4)
  })

  it('writes nothing while no session is bound and commits everything on stop', async () => {
    const clock = createManualClock()
    t = await startTestStation({ device: { kind: 'simulated' } }, { clock })
    const { ctx } = t.station
    const sessionId = insertSession(t)
    clock.advance(150)
    await ctx.recorder.flush()
    expect((ctx.db.prepare('SELECT count(*) AS n FROM eeg_samples').get() as { n: number }).n).toBe(0)
    ctx.recorder.bind(sessionId)
    clock.advance(200)
    const emitted: number[] = []
    ctx.events.on('session.eeg', (_id, block) => emitted.push(block.timestampsMs.length))
    clock.advance(200)
    const dbFile = ctx.db.name
    await t.station.stop()
    const Database = (await import('better-sqlite3')).default
    const db = new Database(dbFile, { readonly: true })
    const n = (db.prepare('SELECT count(*) AS n FROM eeg_samples WHERE session_id = ?').get(sessionId) as { n: number }).n
    db.close()
    expect(emitted.length).toBeGreaterThan(0)
    expect(n).toBeGreaterThanOrEqual(emitted.reduce((a, b) => a + b, 0))
  })

  it('stores a re-sent face or game event once and passes it on once', async () => {
    t = await startTestStation()
    const { ctx } = t.station
    const sessionId = insertSession(t)
    const seen: string[] = []
    ctx.events.on('session.face', (_id, e) => seen.push(`face:${e.kind}@${e.tMs}`))
    ctx.events.on('session.game', (_id, e) => seen.push(`game:${e.kind}@${e.tMs}`))
    const face = [{ tMs: 1000.5, kind: 'blink', data: { durationMs: 120 } }]
    const game = [{ tMs: 1000.5, kind: 'stimulus', data: { id: 1 } }, { tMs: 1050, kind: 'state', data: { lanePositionM: 0.1 } }]
    ctx.recorder.writeFace(sessionId, face)
    ctx.recorder.writeGame(sessionId, game)
    await ctx.recorder.flush()
    // The producer lost its ack and sends the same batches again after reconnecting.
    ctx.recorder.writeFace(sessionId, face)
    ctx.recorder.writeGame(sessionId, game)
    await ctx.recorder.flush()
    const count = (table: string) => (ctx.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE session_id = ?`).get(sessionId) as { n: number }).n
    expect(count('face_events')).toBe(1)
    expect(count('game_events')).toBe(2)
    expect(seen).toEqual(['face:blink@1000.5', 'game:stimulus@1000.5', 'game:state@1050'])
  })

  it('stops capture cleanly when the disk is full, keeps the queued rows and resumes when space returns', async () => {
    const clock = createManualClock()
    t = await startTestStation({ device: { kind: 'simulated' } }, { clock })
    const { ctx } = t.station
    const sessionId = insertSession(t)
    // Cap the file at its current size (no free pages left after VACUUM): the next page SQLite needs fails with SQLITE_FULL.
    ctx.db.exec('VACUUM')
    const pages = ctx.db.pragma('page_count', { simple: true }) as number
    ctx.db.pragma(`max_page_count = ${pages}`)
    ctx.recorder.bind(sessionId)
    clock.advance(300)
    await ctx.recorder.flush()
    expect(ctx.recorder.storageError?.code).toBe('STORAGE_DISK_FULL')
    expect(ctx.recorder.storageError?.message).toMatch(/disk holding the station database is full/)
    expect(ctx.recorder.boundSessionId).toBeNull()
    expect(ctx.db.pragma('integrity_check', { simple: true })).toBe('ok')
    // Rows that fitted in pages the file already had are stored; the rest wait in the queue.
    const storedWhenFull = (ctx.db.prepare('SELECT count(*) AS n FROM eeg_samples').get() as { n: number }).n
    let acked = false
    ctx.recorder.writeFace(sessionId, [{ tMs: 5, kind: 'blink', data: { durationMs: 100 } }], { onCommitted: () => (acked = true) })
    await ctx.recorder.flush()
    expect(acked).toBe(false)

    ctx.db.pragma('max_page_count = 1073741823')
    await ctx.recorder.flush()
    expect(ctx.recorder.storageError).toBeNull()
    expect(acked).toBe(true)
    const stored = (ctx.db.prepare('SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM eeg_samples WHERE session_id = ?').get(sessionId) as { n: number; first: number; last: number })
    expect(stored.n).toBeGreaterThan(storedWhenFull)
    expect(stored.last - stored.first + 1).toBe(stored.n)
  })
})
