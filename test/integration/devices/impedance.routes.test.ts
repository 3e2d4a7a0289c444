/**
 * /api/v1/devices/impedance-check over a real station: the simulated headset with a bad electrode,
 * the result stored with a planned session (device_events, kind impedance) and listed back; a
 * headset that cannot measure answers a clear 409; nothing connected answers 409 too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImpedanceCheckResponse } from '../../../src/shared/schemas/impedance'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'

describe('/api/v1/devices/impedance-check', () => {
  let ts: TestStation
  let researcher: Record<string, string>

  const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    ts.fetch(`${ts.baseUrl}/api/v1${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...researcher, ...init.headers } })

  beforeAll(async () => {
    ts = await startTestStation({ device: { kind: 'simulated', simulated: { badElectrode: 3 }, impedance: { goodBelowKohm: 5, acceptableBelowKohm: 20 } } })
    researcher = authHeader((await registerAndLogin(ts, { role: 'researcher' })).accessToken)
  })

  afterAll(async () => {
    forgetStation(ts.baseUrl)
    await ts.close()
  })

  it('measures, stores with the session and lists the check; the bad electrode fails it', async () => {
    const created = await api('/sessions', { method: 'POST', body: JSON.stringify({ name: 'Impedance', participant_code: 'P-001' }) })
    expect(created.status).toBe(201)
    const sessionId = ((await created.json()) as { id: string }).id

    const res = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({ session_id: sessionId }) })
    expect(res.status).toBe(200)
    const check = (await res.json()) as ImpedanceCheckResponse
    expect(check).toMatchObject({ session_id: sessionId, method: 'simulated', passed: false, thresholds: { good_below_kohm: 5, acceptable_below_kohm: 20 } })
    expect(check.electrodes).toHaveLength(8)
    expect(check.electrodes[3]).toMatchObject({ channel: 3, rating: 'bad', pin: 'n' })
    expect(check.electrodes.filter((e) => e.rating === 'bad')).toHaveLength(1)
    // The configured bands, not the defaults: 2-9 kΩ electrodes are partly "acceptable" under 5 kΩ.
    for (const e of check.electrodes) expect(e.rating).toBe(e.impedance_kohm < 5 ? 'good' : e.impedance_kohm < 20 ? 'acceptable' : 'bad')

    const relaxed = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({ session_id: sessionId, thresholds: { good_below_kohm: 10, acceptable_below_kohm: 500 } }) })
    expect(((await relaxed.json()) as ImpedanceCheckResponse).passed).toBe(true)

    const list = await api(`/devices/impedance-checks?session_id=${sessionId}`)
    expect(list.status).toBe(200)
    const body = (await list.json()) as { data: ImpedanceCheckResponse[]; count: number }
    expect(body.count).toBe(2)
    expect(body.data.map((c) => c.passed)).toEqual([false, true])
    expect(body.data[0].electrodes).toEqual(check.electrodes)
    const rows = ts.station.ctx.db.prepare("SELECT count(*) FROM device_events WHERE session_id = ? AND kind = 'impedance'").pluck().get(sessionId)
    expect(rows).toBe(2)

    // Going ahead despite the failed check is recorded: who, when, which electrodes.
    const override = await api(`/devices/impedance-checks/${check.id}/override`, { method: 'POST' })
    expect(override.status).toBe(201)
    expect(await override.json()).toMatchObject({ check_id: check.id, session_id: sessionId, bad_electrodes: [check.electrodes[3].label] })
    const stored = ts.station.ctx.db.prepare("SELECT data_json FROM device_events WHERE session_id = ? AND kind = 'impedance_override'").pluck().all(sessionId) as string[]
    expect(stored).toHaveLength(1)
    expect(JSON.parse(stored[0])).toMatchObject({ checkId: check.id, badElectrodes: [check.electrodes[3].label] })
    // A passed check has nothing to override; an unknown one is 404.
    expect((await api(`/devices/impedance-checks/${body.data[1].id}/override`, { method: 'POST' })).status).toBe(409)
    expect((await api('/devices/impedance-checks/999999/override', { method: 'POST' })).status).toBe(404)
  })

  it('refuses to start or resume a recording after a failed check until that check is overridden', async () => {
    const setStatus = (id: string, status: string) => api(`/sessions/${id}`, { method: 'PATCH', body: JSON.stringify({ status }) })
    const newSession = async (name: string) =>
      ((await (await api('/sessions', { method: 'POST', body: JSON.stringify({ name, participant_code: 'P-002' }) })).json()) as { id: string }).id
    const check = async (sessionId: string, thresholds?: { good_below_kohm: number; acceptable_below_kohm: number }) => {
      const res = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({ session_id: sessionId, thresholds }) })
      expect(res.status).toBe(200)
      return (await res.json()) as ImpedanceCheckResponse
    }

    // A session never checked records as before (not every headset can measure).
    const unchecked = await newSession('Unchecked')
    expect((await setStatus(unchecked, 'recording')).status).toBe(200)
    expect((await setStatus(unchecked, 'completed')).status).toBe(200)

    const sessionId = await newSession('Gated')
    const failed = await check(sessionId)
    expect(failed.passed).toBe(false)
    const refused = await setStatus(sessionId, 'recording')
    expect(refused.status).toBe(409)
    const error = (await refused.json()) as { code: string; context: { check_id: number; bad_electrodes: string[] } }
    expect(error.code).toBe('IMPEDANCE_CHECK_FAILED')
    expect(error.context).toEqual({ check_id: failed.id, bad_electrodes: [failed.electrodes[3].label] })
    const status = ts.station.ctx.db.prepare('SELECT status, started_at FROM sessions WHERE id = ?').get(sessionId)
    expect(status).toEqual({ status: 'planned', started_at: null })

    expect((await api(`/devices/impedance-checks/${failed.id}/override`, { method: 'POST' })).status).toBe(201)
    expect((await setStatus(sessionId, 'recording')).status).toBe(200)
    expect((await setStatus(sessionId, 'paused')).status).toBe(200)

    // A re-check during the pause that fails again needs its own override: the old one was for another check.
    const again = await check(sessionId)
    expect(again.passed).toBe(false)
    const resume = await setStatus(sessionId, 'recording')
    expect(resume.status).toBe(409)
    expect(((await resume.json()) as { context: { check_id: number } }).context.check_id).toBe(again.id)
    // A passing re-check clears the gate.
    expect((await check(sessionId, { good_below_kohm: 10, acceptable_below_kohm: 500 })).passed).toBe(true)
    expect((await setStatus(sessionId, 'recording')).status).toBe(200)
    expect((await setStatus(sessionId, 'completed')).status).toBe(200)
  })

  it('answers 404 for an unknown session and 422 for bands in the wrong order', async () => {
    const unknown = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({ session_id: 'no-such-session' }) })
    expect(unknown.status).toBe(404)
    const reversed = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({ thresholds: { good_below_kohm: 60, acceptable_below_kohm: 50 } }) })
    expect(reversed.status).toBe(422)
  })

  it('answers 409 DEVICE_NOT_CONNECTED with no headset', async () => {
    await api('/devices/disconnect', { method: 'POST' })
    const res = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({}) })
    expect(res.status).toBe(409)
    expect(((await res.json()) as { code: string }).code).toBe('DEVICE_NOT_CONNECTED')
  })
})
