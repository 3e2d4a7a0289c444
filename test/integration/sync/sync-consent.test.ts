/**
 * Central-sync consent: a session whose participant has not consented stays local (reported in the
 * status), and goes, whole and exactly once, when consent is recorded.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { LocalDatabase } from '../../../src/station/storage/database'
import { checksumsOf, createTestCentral, createTestLocal, engineFor, seedLocal, type TestCentral, type TestLocal } from '../../helpers/sync'
import { recordParticipantConsent } from '../../helpers/participants'

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

function recordConsent(db: LocalDatabase, code: string, centralSync: boolean, age: number | null = 34): void {
  recordParticipantConsent(db, code, centralSync ? ['local_recording', 'central_sync'] : ['local_recording'], { age })
}

async function centralCount(central: TestCentral, sql: string, params: unknown[]): Promise<number> {
  return Number((await central.query<{ n: string }>(sql, params)).rows[0].n)
}

describe('central-sync consent', { timeout: 120_000 }, () => {
  it('holds a session without consent, reports it, and syncs it exactly once when consent is given', async () => {
    const { central, local } = await setup()
    const consented = seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 1500, participantCode: 'P-A', seed: 1 })
    const waiting = seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 1500, participantCode: 'P-B', seed: 2 })
    recordConsent(local.db, 'P-A', true)
    const heldId = waiting.sessionIds[0]
    const engine = engineFor(local, central.url, { requireConsent: true, batchRows: 500 })

    await engine.syncUntilCaughtUp()
    expect(await centralCount(central, 'SELECT count(*) AS n FROM sessions WHERE id = $1', [consented.sessionIds[0]])).toBe(1)
    expect(await centralCount(central, 'SELECT count(*) AS n FROM sessions WHERE id = $1', [heldId])).toBe(0)
    expect(await centralCount(central, 'SELECT count(*) AS n FROM eeg_data WHERE session_id = $1', [heldId])).toBe(0)
    for (const table of ['face_events', 'game_events', 'alerts', 'markers', 'fatigue_metrics', 'device_events']) {
      expect(await centralCount(central, `SELECT count(*) AS n FROM ${table} WHERE session_id = $1`, [heldId]), table).toBe(0)
    }
    const status = engine.status()
    expect(status.consent_held).toBe(1)
    expect(status.recent_consent_held).toEqual([expect.objectContaining({ session_id: heldId, participant_code: 'P-B' })])
    expect(status.pending_total).toBe(0)
    // Nothing of the held session was lost locally, and pruning keeps it.
    expect(local.db.prepare('SELECT count(*) FROM eeg_samples WHERE session_id = ?').pluck().get(heldId)).toBe(1500)
    expect(engineFor(local, central.url, { requireConsent: true, pruneSyncedAfterDays: 1 }).pruneSynced()).toBeGreaterThan(0)
    expect(local.db.prepare('SELECT count(*) FROM eeg_samples WHERE session_id = ?').pluck().get(heldId)).toBe(1500)
    // The participant record went with its demographics (consent given).
    const a = (await central.query('SELECT code, consent_central_sync, age FROM participants WHERE code = $1', ['P-A'])).rows
    expect(a).toEqual([{ code: 'P-A', consent_central_sync: true, age: 34 }])

    recordConsent(local.db, 'P-B', true)
    await engine.syncUntilCaughtUp()
    expect(engine.status().consent_held).toBe(0)
    expect(await centralCount(central, 'SELECT count(*) AS n FROM sessions WHERE id = $1', [heldId])).toBe(1)
    const pruned = local.db.prepare('SELECT count(*) FROM eeg_samples WHERE session_id = ?').pluck().get(consented.sessionIds[0])
    expect(pruned).toBe(0)
    // Every row of the released session is central exactly once (keys fixed at the station).
    expect(await centralCount(central, 'SELECT count(*) AS n FROM eeg_data WHERE session_id = $1', [heldId])).toBe(1500)
    for (const table of ['face_events', 'game_events', 'alerts', 'markers', 'fatigue_metrics', 'device_events']) {
      const localCount = local.db.prepare(`SELECT count(*) FROM ${table} WHERE session_id = ?`).pluck().get(heldId)
      expect(await centralCount(central, `SELECT count(*) AS n FROM ${table} WHERE session_id = $1`, [heldId]), table).toBe(localCount)
    }
    // A second pass sends nothing again.
    await engine.syncUntilCaughtUp()
    expect(await centralCount(central, 'SELECT count(*) AS n FROM eeg_data WHERE session_id = $1', [heldId])).toBe(1500)
  })

  it('holds edits of a session whose consent was withdrawn and clears the demographics centrally', async () => {
    const { central, local } = await setup()
    const seeded = seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 500, participantCode: 'P-W' })
    recordConsent(local.db, 'P-W', true, 93)
    const engine = engineFor(local, central.url, { requireConsent: true })
    await engine.syncUntilCaughtUp()
    const sessionId = seeded.sessionIds[0]
    expect((await central.query('SELECT age FROM participants WHERE code = $1', ['P-W'])).rows).toEqual([{ age: 93 }])

    recordConsent(local.db, 'P-W', false)
    local.db.prepare("UPDATE sessions SET name = 'renamed', version = version + 1 WHERE id = ?").run(sessionId)
    local.db.prepare("INSERT INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, 100000, 1, zeroblob(32))").run(sessionId)
    await engine.syncUntilCaughtUp()
    expect((await central.query('SELECT consent_central_sync, age, sex FROM participants WHERE code = $1', ['P-W'])).rows).toEqual([
      { consent_central_sync: false, age: null, sex: null }
    ])
    expect((await central.query('SELECT name FROM sessions WHERE id = $1', [sessionId])).rows).toEqual([{ name: 'Drive 1' }])
    expect(await centralCount(central, 'SELECT count(*) AS n FROM eeg_data WHERE session_id = $1', [sessionId])).toBe(500)
    expect(engine.status().consent_held).toBe(1)
  })

  it('without the gate (consent not required) every session syncs as before', async () => {
    const { central, local } = await setup()
    seedLocal(local.db, local.stationId, { sessions: 2, samplesPerSession: 300 })
    const engine = engineFor(local, central.url)
    await engine.syncUntilCaughtUp()
    const sums = await checksumsOf(local.db, central, local.stationId)
    expect(sums.central).toEqual(sums.local)
    expect(engine.status().consent_held).toBe(0)
  })
})
