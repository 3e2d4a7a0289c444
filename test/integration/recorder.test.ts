import { afterEach, describe, expect, it } from 'vitest'
import { newId, nowIso } from '../../src/station/ids'
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
    t = await startTestStation({ device: { kind: 'simulated' } })
    const { ctx } = t.station
    const sessionId = insertSession(t)
    ctx.recorder.bind(sessionId)
    await new Promise((r) => setTimeout(r, 300))
    await ctx.devices.connect({ kind: 'simulated' }) // device counter restarts at 0
    await new Promise((r) => setTimeout(r, 300))
    ctx.recorder.bind(null)
    await ctx.recorder.flush()
    const rows = ctx.db.prepare('SELECT seq, length(values_f32) AS bytes FROM eeg_samples WHERE session_id = ? ORDER BY seq').all(sessionId) as { seq: number; bytes: number }[]
    expect(rows.length).toBeGreaterThan(50)
    expect(rows.every((r, i) => r.seq === i)).toBe(true)
    expect(rows[0].bytes).toBe(8 * 4)
  })

  it('writes nothing while no session is bound and commits everything on stop', async () => {
    t = await startTestStation({ device: { kind: 'simulated' } })
    const { ctx } = t.station
    const sessionId = insertSession(t)
    await new Promise((r) => setTimeout(r, 150))
    expect((ctx.db.prepare('SELECT count(*) AS n FROM eeg_samples').get() as { n: number }).n).toBe(0)
    ctx.recorder.bind(sessionId)
    await new Promise((r) => setTimeout(r, 200))
    const emitted: number[] = []
    ctx.events.on('session.eeg', (_id, block) => emitted.push(block.timestampsMs.length))
    await new Promise((r) => setTimeout(r, 200))
    const dbFile = ctx.db.name
    await t.station.stop()
    const Database = (await import('better-sqlite3')).default
    const db = new Database(dbFile, { readonly: true })
    const n = (db.prepare('SELECT count(*) AS n FROM eeg_samples WHERE session_id = ?').get(sessionId) as { n: number }).n
    db.close()
    expect(emitted.length).toBeGreaterThan(0)
    expect(n).toBeGreaterThanOrEqual(emitted.reduce((a, b) => a + b, 0))
  })
})
