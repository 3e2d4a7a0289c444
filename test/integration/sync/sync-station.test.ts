/**
 * The sync inside a running station: started last when a central URL is set, status over REST for
 * researchers/admins, progress on the event bus, and nothing running without a central URL.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { SyncStatus } from '../../../src/shared/schemas/sync'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { createTestCentral, seedLocal, type TestCentral } from '../../helpers/sync'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function station(centralUrl?: string): Promise<TestStation> {
  const s = await startTestStation(centralUrl ? { central: { url: centralUrl, intervalMs: 100 } } : {})
  cleanups.push(async () => {
    forgetStation(s.baseUrl)
    await s.close()
  })
  return s
}

async function getStatus(s: TestStation, token: string): Promise<{ status: number; body: SyncStatus }> {
  const res = await fetch(`${s.baseUrl}/api/v1/sync/status`, { headers: authHeader(token) })
  return { status: res.status, body: (await res.json()) as SyncStatus }
}

describe('sync in the station', { timeout: 120_000 }, () => {
  it('syncs recorded rows in the background and reports status to researchers, not students', async () => {
    const central: TestCentral = await createTestCentral()
    cleanups.push(() => central.drop())
    const s = await station(central.url)
    const wire: SyncStatus[] = []
    s.station.ctx.events.on('sync.statusChanged', (st) => wire.push(st))
    const researcher = await registerAndLogin(s.baseUrl, { role: 'researcher' })
    const student = await registerAndLogin(s.baseUrl, { role: 'student' })

    seedLocal(s.station.ctx.db, s.station.ctx.stationId, { sessions: 1, samplesPerSession: 3000 })
    const run = await fetch(`${s.baseUrl}/api/v1/sync/run`, { method: 'POST', headers: authHeader(researcher.accessToken) })
    expect(run.status).toBe(202)

    await expect.poll(async () => (await getStatus(s, researcher.accessToken)).body.pending_total, { timeout: 60_000 }).toBe(0)
    const { status, body } = await getStatus(s, researcher.accessToken)
    expect(status).toBe(200)
    expect(body.state).toMatch(/idle|syncing/)
    expect(body.last_success_at).not.toBeNull()
    expect(body.central).toContain(central.name)
    expect((await central.query('SELECT count(*)::int AS n FROM eeg_data')).rows[0].n).toBe(3000)
    // Users registered over HTTP reach the centre too, without their password hashes.
    expect((await central.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBeGreaterThanOrEqual(3)
    expect(wire.some((w) => w.state === 'syncing')).toBe(true)
    expect(wire.at(-1)?.pending_total).toBe(0)

    expect((await getStatus(s, student.accessToken)).status).toBe(403)
    expect((await fetch(`${s.baseUrl}/api/v1/sync/status`)).status).toBe(401)
  })

  it('without a central URL: status says disabled and shows the backlog; run is refused with a reason', async () => {
    const s = await station()
    const admin = await registerAndLogin(s.baseUrl, { role: 'admin' })
    seedLocal(s.station.ctx.db, s.station.ctx.stationId, { sessions: 1, samplesPerSession: 100 })
    const { body } = await getStatus(s, admin.accessToken)
    expect(body.state).toBe('disabled')
    expect(body.pending.eeg_samples).toBe(100)
    const run = await fetch(`${s.baseUrl}/api/v1/sync/run`, { method: 'POST', headers: authHeader(admin.accessToken) })
    expect(run.status).toBe(409)
    expect(((await run.json()) as { code: string }).code).toBe('SYNC_NOT_CONFIGURED')
  })
})
