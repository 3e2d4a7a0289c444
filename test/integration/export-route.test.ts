import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEdf } from '../helpers/edf-reader'
import { authHeader, forgetStation, registerAndLogin, stationAdmin, type LoggedInUser } from '../helpers/auth'
import { seedExportSession } from '../helpers/export-session'
import { startTestStation, type TestStation } from '../helpers/station'

describe('GET /api/v1/sessions/:id/export', () => {
  let t: TestStation
  let owner: LoggedInUser
  let student: LoggedInUser
  let sessionId: string

  beforeAll(async () => {
    t = await startTestStation()
    owner = await registerAndLogin(t, { role: 'researcher' })
    student = await registerAndLogin(t, { role: 'student' })
    sessionId = seedExportSession(t.station.ctx.db, { seconds: 6, drops: [[700, 600]], createdBy: owner.user.id }).sessionId
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  const url = (format: string) => `${t.baseUrl}/api/v1/sessions/${sessionId}/export?format=${format}`
  const link = (user: LoggedInUser, body: Record<string, unknown>, id = sessionId) =>
    t.fetch(`${t.baseUrl}/api/v1/sessions/${id}/export/link`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeader(user.accessToken) }, body: JSON.stringify(body) })

  it('streams a BDF+ with its exact length and a download name to someone who may read the session', async () => {
    const res = await t.fetch(url('bdf'), { headers: authHeader(owner.accessToken) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="vigil_sub-P07_ses-1.bdf"')
    const body = Buffer.from(await res.arrayBuffer())
    expect(Number(res.headers.get('content-length'))).toBe(body.length)
    // Gaps are filled by default (+C), so every reader, MNE included, places every sample right.
    const file = parseEdf(body)
    expect(file.header.reserved).toBe('BDF+C')
    expect(file.records).toHaveLength(6)
  })

  it('leaves empty records out on request (gaps=discontinuous: EDF+D, placed by their time-keeping TALs)', async () => {
    const res = await t.fetch(`${url('edf')}&gaps=discontinuous`, { headers: authHeader(owner.accessToken) })
    const file = parseEdf(Buffer.from(await res.arrayBuffer()))
    expect(file.header.reserved).toBe('EDF+D')
    expect(file.records.map((r) => r.startS)).toEqual([0.25, 1.25, 2.25, 5.25])
  })

  it('streams a BIDS zip and a CSV zip', async () => {
    const bids = await t.fetch(url('bids'), { headers: authHeader(owner.accessToken) })
    expect(bids.status).toBe(200)
    expect(bids.headers.get('content-type')).toBe('application/zip')
    const entries = Object.keys(unzipSync(new Uint8Array(await bids.arrayBuffer())))
    expect(entries).toContain('vigil_sub-P07_ses-1/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_eeg.bdf')
    const csv = await t.fetch(url('csv'), { headers: authHeader(owner.accessToken) })
    expect(Object.keys(unzipSync(new Uint8Array(await csv.arrayBuffer()))).sort()).toEqual([
      'vigil_sub-P07_ses-1_events.csv',
      'vigil_sub-P07_ses-1_fatigue.csv',
      'vigil_sub-P07_ses-1_samples.csv'
    ])
  })

  it('is 401 without a token, 404 for a student who does not own the session, 422 for an unknown format', async () => {
    const anonymous = await t.fetch(url('bdf'))
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    const foreign = await t.fetch(url('edf'), { headers: authHeader(student.accessToken) })
    expect(foreign.status).toBe(404)
    expect(await foreign.json()).toMatchObject({ detail: 'Session not found' })
    const bad = await t.fetch(url('xdf'), { headers: authHeader(owner.accessToken) })
    expect(bad.status).toBe(422)
  })

  describe('through a one-time link (what the browser uses)', () => {
    it('downloads once without an Authorization header, then the link is spent', async () => {
      const res = await link(owner, { format: 'edf', gaps: 'fill' })
      expect(res.status).toBe(200)
      const answer = (await res.json()) as { url: string; file_name: string; expires_in: number }
      expect(answer).toMatchObject({ file_name: 'vigil_sub-P07_ses-1.edf', expires_in: 60 })
      expect(answer.url).toMatch(/^\/api\/v1\/downloads\/[A-Za-z0-9_-]{43}$/)
      const download = await t.fetch(`${t.baseUrl}${answer.url}`)
      expect(download.status).toBe(200)
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="vigil_sub-P07_ses-1.edf"')
      const file = parseEdf(Buffer.from(await download.arrayBuffer()))
      expect(file.header.reserved).toBe('EDF+C')
      expect(file.records).toHaveLength(6)
      const again = await t.fetch(`${t.baseUrl}${answer.url}`)
      expect(again.status).toBe(404)
      expect(((await again.json()) as { detail: string }).detail).toMatch(/already used or expired/)
    })

    it('checks access and options when the link is asked for: 401, 404, 422, 409 for an empty session', async () => {
      const anonymous = await t.fetch(`${t.baseUrl}/api/v1/sessions/${sessionId}/export/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(anonymous.status).toBe(401)
      expect((await link(student, {})).status).toBe(404)
      expect((await link(owner, { format: 'xdf' })).status).toBe(422)
      const created = await t.fetch(`${t.baseUrl}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeader(owner.accessToken) }, body: JSON.stringify({ name: 'empty', participant_code: 'P08' }) })
      const empty = await link(owner, { format: 'bdf' }, ((await created.json()) as { id: string }).id)
      expect(empty.status).toBe(409)
      expect(await empty.json()).toMatchObject({ code: 'EXPORT_EMPTY_SESSION' })
    })

    it('dies with the account behind it: a link of a user deactivated meanwhile is 404', async () => {
      const researcher = await registerAndLogin(t, { role: 'researcher' })
      const admin = stationAdmin(t.baseUrl)!
      const { url: linkUrl } = (await (await link(researcher, { format: 'csv' })).json()) as { url: string }
      const deactivated = await t.fetch(`${t.baseUrl}/api/v1/users/${researcher.user.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...authHeader(admin.accessToken) }, body: JSON.stringify({ is_active: false }) })
      expect(deactivated.status).toBe(200)
      expect((await t.fetch(`${t.baseUrl}${linkUrl}`)).status).toBe(404)
      expect((await t.fetch(`${t.baseUrl}/api/v1/downloads/made-up-link`)).status).toBe(404)
    })
  })
})
