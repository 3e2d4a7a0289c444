import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEdf } from '../helpers/edf-reader'
import { authHeader, forgetStation, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { seedExportSession } from '../helpers/export-session'
import { startTestStation, type TestStation } from '../helpers/station'

describe('GET /api/v1/sessions/:id/export', () => {
  let t: TestStation
  let owner: LoggedInUser
  let student: LoggedInUser
  let sessionId: string

  beforeAll(async () => {
    t = await startTestStation()
    owner = await registerAndLogin(t.baseUrl, { role: 'researcher' })
    student = await registerAndLogin(t.baseUrl, { role: 'student' })
    sessionId = seedExportSession(t.station.ctx.db, { seconds: 6, drops: [[700, 600]], createdBy: owner.user.id }).sessionId
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  const url = (format: string) => `${t.baseUrl}/api/v1/sessions/${sessionId}/export?format=${format}`

  it('streams a BDF+ with its exact length and a download name to someone who may read the session', async () => {
    const res = await fetch(url('bdf'), { headers: authHeader(owner.accessToken) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="vigil_sub-P07_ses-1.bdf"')
    const body = Buffer.from(await res.arrayBuffer())
    expect(Number(res.headers.get('content-length'))).toBe(body.length)
    const file = parseEdf(body)
    expect(file.header.reserved).toBe('BDF+D')
    expect(file.records.map((r) => r.startS)).toEqual([0.25, 1.25, 2.25, 5.25])
  })

  it('fills gaps on request, so readers that ignore EDF+D still place every sample right', async () => {
    const res = await fetch(`${url('edf')}&gaps=fill`, { headers: authHeader(owner.accessToken) })
    const file = parseEdf(Buffer.from(await res.arrayBuffer()))
    expect(file.header.reserved).toBe('EDF+C')
    expect(file.records).toHaveLength(6)
  })

  it('streams a BIDS zip and a CSV zip', async () => {
    const bids = await fetch(url('bids'), { headers: authHeader(owner.accessToken) })
    expect(bids.status).toBe(200)
    expect(bids.headers.get('content-type')).toBe('application/zip')
    const entries = Object.keys(unzipSync(new Uint8Array(await bids.arrayBuffer())))
    expect(entries).toContain('vigil_sub-P07_ses-1/sub-P07/ses-1/eeg/sub-P07_ses-1_task-driving_eeg.bdf')
    const csv = await fetch(url('csv'), { headers: authHeader(owner.accessToken) })
    expect(Object.keys(unzipSync(new Uint8Array(await csv.arrayBuffer()))).sort()).toEqual([
      'vigil_sub-P07_ses-1_events.csv',
      'vigil_sub-P07_ses-1_fatigue.csv',
      'vigil_sub-P07_ses-1_samples.csv'
    ])
  })

  it('is 401 without a token, 404 for a student who does not own the session, 422 for an unknown format', async () => {
    const anonymous = await fetch(url('bdf'))
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    const foreign = await fetch(url('edf'), { headers: authHeader(student.accessToken) })
    expect(foreign.status).toBe(404)
    expect(await foreign.json()).toMatchObject({ detail: 'Session not found' })
    const bad = await fetch(url('xdf'), { headers: authHeader(owner.accessToken) })
    expect(bad.status).toBe(422)
  })
})
