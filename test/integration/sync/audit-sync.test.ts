/**
 * The audit trail as a sync stream (central migration 002): every row lands centrally once, a replay
 * adds nothing, a deleted session keeps its audit rows at both ends, pruning leaves them locally, and
 * the central table refuses edits like the local one. Sync runs are themselves on record.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createAuditLog, type AuditLog } from '../../../src/station/audit'
import { createLogger } from '../../../src/station/logger'
import { nowIso } from '../../../src/station/ids'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { createManualClock } from '../../helpers/clock'
import { startTestStation } from '../../helpers/station'
import { waitUntil } from '../../helpers/wait'
import { createTestCentral, createTestLocal, checksumsOf, engineFor, seedLocal, type TestCentral, type TestLocal } from '../../helpers/sync'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** `auditAtMs`: the wall time the audit rows get (old rows for the pruning test). */
async function setup(auditAtMs?: number): Promise<{ central: TestCentral; local: TestLocal; audit: AuditLog }> {
  const central = await createTestCentral()
  cleanups.push(() => central.drop())
  const local = createTestLocal()
  cleanups.push(() => local.close())
  const clock = auditAtMs === undefined ? undefined : createManualClock(auditAtMs)
  return { central, local, audit: createAuditLog({ db: local.db, stationId: local.stationId, clock, logger: createLogger('silent') }) }
}

async function centralAudit(central: TestCentral) {
  return (await central.query<{ local_id: string; action: string; actor_email: string | null; detail: Record<string, unknown> }>(
    'SELECT local_id, action, actor_email, detail FROM audit_events ORDER BY local_id'
  )).rows
}

describe('audit_events sync', { timeout: 120_000 }, () => {
  for (const method of ['copy', 'unnest'] as const) {
    it(`lands each row once (${method}); a replay after lost acknowledgements adds nothing`, async () => {
      const { central, local, audit } = await setup()
      const { userId, sessionIds } = seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 100, eventsPerSession: 2 })
      for (let i = 0; i < 250; i++) {
        audit.record({ action: 'session.updated', actor: { id: userId, email: 'r@lab.example' }, target: { type: 'session', id: sessionIds[0] }, clientAddress: '10.0.0.7', detail: { i } })
      }
      audit.record({ action: 'auth.login_failed', attemptedEmail: ' Someone@LAB.example ', clientAddress: '10.0.0.8', detail: { reason: 'bad_credentials' } })
      const engine = engineFor(local, central.url, { method, batchRows: 100, audit })
      await engine.syncUntilCaughtUp()

      const rows = await centralAudit(central)
      // 251 recorded here, and the run recorded itself as it started, so its row went with it.
      expect(rows).toHaveLength(252)
      expect(rows.map((r) => Number(r.local_id))).toEqual(Array.from({ length: 252 }, (_, i) => i + 1))
      expect(rows[250]).toMatchObject({ action: 'auth.login_failed', actor_email: 'someone@lab.example', detail: { reason: 'bad_credentials' } })
      expect(rows[251]).toMatchObject({ action: 'sync.run_requested', actor_email: null })
      const sums = await checksumsOf(local.db, central, local.stationId)
      expect(sums.local.audit_events.rows).toBe(252)
      expect(sums.central).toEqual(sums.local)

      // Forget the cursor (acknowledgement lost): the keys make the replay a no-op.
      local.db.prepare("DELETE FROM sync_cursors WHERE stream = 'audit_events'").run()
      await engineFor(local, central.url, { method }).syncUntilCaughtUp()
      expect(await checksumsOf(local.db, central, local.stationId)).toEqual(sums)
    })
  }

  it('keeps a deleted session’s audit rows at both ends, and pruning leaves the trail alone', async () => {
    const { central, local, audit } = await setup(Date.UTC(2025, 0, 1))
    const { sessionIds } = seedLocal(local.db, local.stationId, { sessions: 2, samplesPerSession: 100, eventsPerSession: 2, startMs: Date.UTC(2025, 0, 1) })
    audit.record({ action: 'session.created', target: { type: 'session', id: sessionIds[0] } })
    await engineFor(local, central.url, { audit }).syncUntilCaughtUp()

    local.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionIds[0])
    local.db.prepare("INSERT INTO tombstones (entity, entity_id, deleted_at) VALUES ('session', ?, ?)").run(sessionIds[0], nowIso())
    audit.record({ action: 'session.deleted', target: { type: 'session', id: sessionIds[0] } })
    const engine = engineFor(local, central.url, { pruneSyncedAfterDays: 1, audit })
    await engine.syncUntilCaughtUp()
    expect(Number((await central.query('SELECT count(*) AS n FROM sessions')).rows[0].n)).toBe(1)
    const actions = (await centralAudit(central)).map((r) => r.action)
    expect(actions).toEqual(['session.created', 'sync.run_requested', 'session.deleted', 'sync.run_requested'])

    // The audit rows are synced and two years old, yet pruning neither deletes them nor trips on the
    // trigger, while the old synced samples do go.
    expect(engine.pruneSynced()).toBeGreaterThan(0)
    expect((local.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBe(4)
  })

  it('the central table refuses UPDATE and DELETE', async () => {
    const { central, local, audit } = await setup()
    audit.record({ action: 'session.created', target: { type: 'session', id: 'not-a-session' } })
    await engineFor(local, central.url).syncUntilCaughtUp()
    await expect(central.query("UPDATE audit_events SET action = 'x'")).rejects.toThrow(/append-only/)
    await expect(central.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/)
    expect(await centralAudit(central)).toHaveLength(1)
  })

  it('records the start of a failure streak once, not every retry', async () => {
    const { local, audit } = await setup()
    audit.record({ action: 'session.created' })
    const engine = engineFor(local, 'postgres://postgres@127.0.0.1:1/nowhere', { audit, connectTimeoutMs: 500 })
    const controller = new AbortController()
    const run = engine.syncUntilCaughtUp({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.status.consecutive_failures >= 2) controller.abort()
      }
    })
    await run
    const failed = local.db.prepare("SELECT detail_json FROM audit_events WHERE action = 'sync.run_failed'").all() as { detail_json: string }[]
    expect(failed).toHaveLength(1)
    expect(JSON.parse(failed[0].detail_json)).toHaveProperty('code')
  })

  it('in a running station: "Sync now" is on record with its actor, and the trail reaches the central database once', async () => {
    const central = await createTestCentral()
    cleanups.push(() => central.drop())
    const t = await startTestStation({ central: { url: central.url, intervalMs: 100 } })
    cleanups.push(async () => {
      forgetStation(t.baseUrl)
      await t.close()
    })
    const admin = await registerAndLogin(t, { role: 'admin' })
    const researcher = await registerAndLogin(t, { role: 'researcher' })
    const res = await t.fetch(`${t.baseUrl}/api/v1/sync/run`, { method: 'POST', headers: authHeader(researcher.accessToken) })
    expect(res.status).toBe(202)
    const localRows = () => t.station.ctx.db.prepare('SELECT id, action, actor_id FROM audit_events ORDER BY id').all() as { id: number; action: string; actor_id: string | null }[]
    expect(localRows().filter((r) => r.action === 'sync.run_requested').map((r) => r.actor_id)).toEqual([researcher.user.id])
    const ids = localRows().map((r) => r.id)
    await waitUntil(async () => Number((await central.query('SELECT count(*) AS n FROM audit_events WHERE local_id <= $1', [Math.max(...ids)])).rows[0].n) === ids.length, {
      what: 'every audit row so far central'
    })
    const landed = (await central.query<{ local_id: string; action: string; actor_id: string | null }>('SELECT local_id, action, actor_id FROM audit_events ORDER BY local_id')).rows
    expect(landed.map((r) => Number(r.local_id))).toEqual([...new Set(landed.map((r) => Number(r.local_id)))])
    expect(landed.find((r) => r.action === 'sync.run_requested')?.actor_id).toBe(researcher.user.id)
    expect(landed.filter((r) => r.action === 'auth.registered').map((r) => r.actor_id)).toContain(admin.user.id)
  })
})
