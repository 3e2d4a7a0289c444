/**
 * Participant records and the consent gate: REST CRUD with the session ownership rules, recording
 * refused without local-recording consent, export refused without data-sharing consent, and the
 * de-identified export (default in BIDS).
 */
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authHeader, forgetStation, registerAndLogin, stationAdmin, type LoggedInUser } from '../helpers/auth'
import { parseEdf } from '../helpers/edf-reader'
import { SEED_START_MS, seedExportSession } from '../helpers/export-session'
import { startTestStation, type TestStation } from '../helpers/station'

function client(t: TestStation, user: LoggedInUser) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, {
      method,
      headers: { ...authHeader(user.accessToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
}

function fileText(zip: Record<string, Uint8Array>, suffix: string): string {
  return new TextDecoder().decode(Object.entries(zip).find(([name]) => name.endsWith(suffix))![1])
}

async function csvSamplesOf(res: Response): Promise<string[][]> {
  const zip = unzipSync(new Uint8Array(await res.arrayBuffer()))
  return fileText(zip, '_samples.csv').trim().split('\n').slice(1).map((line) => line.split(','))
}

const consentBody = (code: string, scopes: string[], extra: Record<string, unknown> = {}) => ({
  participant_code: code,
  consent_form_version: 'v2.1',
  consent_date: '2026-11-20',
  consent_scopes: scopes,
  ...extra
})

describe('participants and consent', () => {
  let t: TestStation
  let researcher: LoggedInUser
  let other: LoggedInUser
  let student: LoggedInUser
  let admin: LoggedInUser
  let api: ReturnType<typeof client>

  beforeAll(async () => {
    t = await startTestStation({ consent: { required: true } })
    researcher = await registerAndLogin(t, { role: 'researcher' })
    other = await registerAndLogin(t, { role: 'researcher' })
    student = await registerAndLogin(t, { role: 'student' })
    admin = stationAdmin(t.baseUrl)!
    api = client(t, researcher)
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  it('creates a record with consent scopes and demographics, and refuses a second record for the code', async () => {
    const res = await api('POST', '/participants', consentBody('P-101', ['local_recording', 'central_sync'], { age: 41, sex: 'female', handedness: 'left' }))
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      participant_code: 'P-101',
      consent_form_version: 'v2.1',
      consent_date: '2026-11-20',
      consent_scopes: ['local_recording', 'central_sync'],
      age: 41,
      sex: 'female',
      handedness: 'left',
      created_by: researcher.user.id,
      version: 1
    })
    const again = await api('POST', '/participants', consentBody('P-101', []))
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('CONFLICT')
    const fetched = await api('GET', `/participants/${res.body.id}`)
    expect(fetched.body).toEqual(res.body)
  })

  it.each([
    ['a name instead of a code', { participant_code: 'Jane Doe' }],
    ['an unknown scope', { consent_scopes: ['everything'] }],
    ['a scope twice', { consent_scopes: ['local_recording', 'local_recording'] }],
    ['a date with a time', { consent_date: '2026-11-20T10:00:00Z' }],
    ['an impossible age', { age: 200 }],
    ['a field that is not part of the record', { full_name: 'Jane Doe' }]
  ])('refuses %s with 422 and stores nothing', async (_what, change) => {
    const res = await api('POST', '/participants', { ...consentBody('P-422', ['local_recording']), ...change })
    expect(res.status).toBe(422)
    expect((await api('GET', '/participants?participant_code=P-422')).body.count).toBe(0)
  })

  it('follows the session rules: students see their own, only the creator or an admin edits', async () => {
    const created = await api('POST', '/participants', consentBody('P-102', ['local_recording']))
    const id = created.body.id as string
    const studentApi = client(t, student)
    expect((await studentApi('GET', `/participants/${id}`)).status).toBe(404)
    expect((await studentApi('GET', '/participants')).body.data.map((p: { id: string }) => p.id)).not.toContain(id)
    expect((await studentApi('PATCH', `/participants/${id}`, { consent_scopes: [] })).status).toBe(404)
    const otherApi = client(t, other)
    expect((await otherApi('GET', `/participants/${id}`)).status).toBe(200)
    expect((await otherApi('PATCH', `/participants/${id}`, { consent_scopes: [] })).status).toBe(403)
    const byAdmin = await client(t, admin)('PATCH', `/participants/${id}`, { consent_scopes: ['local_recording', 'data_sharing'], age: 52 })
    expect(byAdmin.status).toBe(200)
    expect(byAdmin.body).toMatchObject({ consent_scopes: ['local_recording', 'data_sharing'], age: 52, version: 2 })
    const own = await studentApi('POST', '/participants', consentBody('S-1', ['local_recording']))
    expect(own.status).toBe(201)
    expect((await studentApi('GET', '/participants')).body.data.map((p: { participant_code: string }) => p.participant_code)).toEqual(['S-1'])
  })

  it('deletes a record no session names, and refuses while one does', async () => {
    const p = (await api('POST', '/participants', consentBody('P-103', ['local_recording']))).body
    await api('POST', '/sessions', { name: 'Drive', participant_code: 'P-103' })
    const refused = await api('DELETE', `/participants/${p.id}`)
    expect(refused.status).toBe(409)
    const lone = (await api('POST', '/participants', consentBody('P-104', []))).body
    expect((await api('DELETE', `/participants/${lone.id}`)).status).toBe(204)
    expect((await api('GET', `/participants/${lone.id}`)).status).toBe(404)
  })

  describe('recording', () => {
    it('is refused for a participant without a record, with a code the UI can act on', async () => {
      const session = (await api('POST', '/sessions', { name: 'Drive', participant_code: 'P-NONE' })).body
      const res = await api('PATCH', `/sessions/${session.id}`, { status: 'recording' })
      expect(res.status).toBe(409)
      expect(res.body.code).toBe('CONSENT_REQUIRED')
      expect(res.body.context).toMatchObject({ participant_code: 'P-NONE', scope: 'local_recording', has_record: false })
      expect((await api('GET', `/sessions/${session.id}`)).body.status).toBe('planned')
    })

    it('is refused without local-recording consent, allowed with it, and stopped at resume once withdrawn', async () => {
      const p = (await api('POST', '/participants', consentBody('P-105', ['central_sync']))).body
      const session = (await api('POST', '/sessions', { name: 'Drive', participant_code: 'P-105' })).body
      const refused = await api('PATCH', `/sessions/${session.id}`, { status: 'recording' })
      expect(refused.status).toBe(409)
      expect(refused.body.context).toMatchObject({ scope: 'local_recording', has_record: true })

      await api('PATCH', `/participants/${p.id}`, { consent_scopes: ['local_recording'] })
      expect((await api('PATCH', `/sessions/${session.id}`, { status: 'recording' })).body.status).toBe('recording')
      expect((await api('PATCH', `/sessions/${session.id}`, { status: 'paused' })).body.status).toBe('paused')
      await api('PATCH', `/participants/${p.id}`, { consent_scopes: [] })
      const resumed = await api('PATCH', `/sessions/${session.id}`, { status: 'recording' })
      expect(resumed.status).toBe(409)
      expect(resumed.body.code).toBe('CONSENT_REQUIRED')
      expect((await api('PATCH', `/sessions/${session.id}`, { status: 'completed' })).body.status).toBe('completed')
    })

    it('is paused when the participant withdraws consent to recording during it', async () => {
      const p = (await api('POST', '/participants', consentBody('P-107', ['local_recording']))).body
      const session = (await api('POST', '/sessions', { name: 'Drive', participant_code: 'P-107' })).body
      expect((await api('PATCH', `/sessions/${session.id}`, { status: 'recording' })).status).toBe(200)
      // Another researcher's edit of consent (here an admin's) pauses it too: consent is the participant's, not the operator's.
      expect((await client(t, admin)('PATCH', `/participants/${p.id}`, { consent_scopes: ['central_sync'] })).status).toBe(200)
      expect((await api('GET', `/sessions/${session.id}`)).body.status).toBe('paused')
      expect(t.station.ctx.recorder.boundSessionId).toBeNull()
      await api('PATCH', `/sessions/${session.id}`, { status: 'completed' })
    })

    it('cannot be moved to a participant without consent while it records', async () => {
      await api('POST', '/participants', consentBody('P-106', ['local_recording']))
      const session = (await api('POST', '/sessions', { name: 'Drive', participant_code: 'P-106' })).body
      expect((await api('PATCH', `/sessions/${session.id}`, { status: 'recording' })).status).toBe(200)
      const moved = await api('PATCH', `/sessions/${session.id}`, { participant_code: 'P-NONE' })
      expect(moved.status).toBe(409)
      expect((await api('GET', `/sessions/${session.id}`)).body.participant_code).toBe('P-106')
      await api('PATCH', `/sessions/${session.id}`, { status: 'completed' })
    })
  })

  describe('export', () => {
    let sessionId: string
    const exportUrl = (query: string) => `${t.baseUrl}/api/v1/sessions/${sessionId}/export?${query}`
    const download = (query: string) => t.fetch(exportUrl(query), { headers: authHeader(researcher.accessToken) })

    beforeAll(() => {
      sessionId = seedExportSession(t.station.ctx.db, { seconds: 4, participantCode: 'P-200', createdBy: researcher.user.id, withEvents: true }).sessionId
      t.station.ctx.db.prepare("UPDATE sessions SET notes = 'drove after a night shift at the Royal Infirmary' WHERE id = ?").run(sessionId)
    })

    it('is refused without data-sharing consent (no record, then a record without the scope)', async () => {
      const none = await download('format=bdf')
      expect(none.status).toBe(409)
      expect(((await none.json()) as { context: unknown }).context).toMatchObject({ participant_code: 'P-200', scope: 'data_sharing', has_record: false })
      const p = (await api('POST', '/participants', consentBody('P-200', ['local_recording', 'central_sync'], { age: 93, sex: 'male', handedness: 'right' }))).body
      const without = await download('format=bids')
      expect(without.status).toBe(409)
      expect(((await without.json()) as { code: string }).code).toBe('CONSENT_REQUIRED')
      const link = await t.fetch(`${t.baseUrl}/api/v1/sessions/${sessionId}/export/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeader(researcher.accessToken) },
        body: JSON.stringify({ format: 'csv' })
      })
      expect(link.status).toBe(409)
      await api('PATCH', `/participants/${p.id}`, { consent_scopes: ['local_recording', 'central_sync', 'data_sharing'] })
      expect((await download('format=bdf')).status).toBe(200)
    })

    it('de-identifies BIDS by default: dates shifted by whole weeks, age binned, notes and session ids gone, said in the description', async () => {
      const res = await download('format=bids')
      expect(res.status).toBe(200)
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()))
      const text = (suffix: string) => fileText(files, suffix)
      const all = Object.entries(files)
        .filter(([name]) => !/\.(bdf|edf)$/.test(name))
        .map(([, data]) => new TextDecoder().decode(data))
        .join('\n')
      const description = JSON.parse(text('/dataset_description.json'))
      expect(description.GeneratedBy[0].Description).toMatch(/de-identified/i)
      expect(text('/README')).toMatch(/shifted by one secret offset of whole weeks/)
      expect(all).not.toContain(sessionId)
      expect(all).not.toContain(t.station.ctx.stationId)
      expect(all).not.toContain('Royal Infirmary')
      expect(all).not.toContain('Night drive')
      expect(text('participants.tsv')).toBe('participant_id\tage\tsex\thandedness\nsub-P200\t89\tmale\tright\n')
      const acq = text('_scans.tsv').split('\n')[1].split('\t')[1]
      const shiftMs = Date.parse(acq) - SEED_START_MS
      expect(shiftMs).toBeLessThan(0)
      expect(Math.abs(shiftMs) % (7 * 86_400_000)).toBe(0)
      expect(-shiftMs / (7 * 86_400_000)).toBeGreaterThanOrEqual(52)
      // Everything else about the recording is unchanged: the events keep their onsets.
      const identified = unzipSync(new Uint8Array(await (await download('format=bids&deidentify=false')).arrayBuffer()))
      expect(fileText(files, '_events.tsv')).toBe(fileText(identified, '_events.tsv'))
      const scans = fileText(identified, '_scans.tsv')
      expect(scans).toContain(new Date(SEED_START_MS).toISOString())
    })

    it('de-identifies EDF/BDF on request: the header date moves, the samples stay', async () => {
      const plain = parseEdf(Buffer.from(await (await download('format=bdf')).arrayBuffer()))
      const shifted = parseEdf(Buffer.from(await (await download('format=bdf&deidentify=true')).arrayBuffer()))
      expect(plain.header.startDate).toBe('24.11.26')
      expect(shifted.header.startDate).not.toBe(plain.header.startDate)
      expect(shifted.header.startTime).toBe(plain.header.startTime)
      expect(shifted.header.recording).not.toContain(sessionId)
      expect(shifted.records).toEqual(plain.records)
    })

    it('shifts the CSV timestamps by one offset and drops nothing else', async () => {
      const plain = await csvSamplesOf(await download('format=csv'))
      const shifted = await csvSamplesOf(await download('format=csv&deidentify=true'))
      expect(shifted.length).toBe(plain.length)
      const offsets = new Set(plain.map((row, i) => Math.round(Number(shifted[i][1]) - Number(row[1]))))
      expect(offsets.size).toBe(1)
      expect(shifted.map((row) => row.slice(2))).toEqual(plain.map((row) => row.slice(2)))
    })
  })
})
