/** Who may do what to which session: 3 roles × 5 operations × own/other, as one table. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authHeader, registerAndLogin, type LoggedInUser, type TestRole } from '../helpers/auth'
import { startTestStation, type TestStation } from '../helpers/station'

type Operation = 'read' | 'update' | 'transition' | 'marker' | 'delete'
type Owner = 'own' | 'other'

const OK: Record<Operation, number> = { read: 200, update: 200, transition: 200, marker: 201, delete: 204 }

/** Expected status per role, operation and owner: ok, 403 (visible but not yours) or 404 (invisible). */
const MATRIX: Record<TestRole, Record<Owner, Record<Operation, 'ok' | 403 | 404>>> = {
  admin: {
    own: { read: 'ok', update: 'ok', transition: 'ok', marker: 'ok', delete: 'ok' },
    other: { read: 'ok', update: 'ok', transition: 'ok', marker: 'ok', delete: 'ok' }
  },
  researcher: {
    own: { read: 'ok', update: 'ok', transition: 'ok', marker: 'ok', delete: 'ok' },
    other: { read: 'ok', update: 403, transition: 403, marker: 403, delete: 403 }
  },
  student: {
    own: { read: 'ok', update: 'ok', transition: 'ok', marker: 'ok', delete: 'ok' },
    other: { read: 404, update: 404, transition: 404, marker: 404, delete: 404 }
  }
}

const cases = (Object.keys(MATRIX) as TestRole[]).flatMap((role) =>
  (['own', 'other'] as Owner[]).flatMap((owner) => (Object.keys(OK) as Operation[]).map((op) => ({ role, owner, op, expected: MATRIX[role][owner][op] })))
)

describe('session permissions', () => {
  let t: TestStation
  const users = {} as Record<TestRole | 'otherOfAdmin' | 'otherOfResearcher' | 'otherOfStudent', LoggedInUser>

  async function request(user: LoggedInUser, method: string, path: string, body?: unknown) {
    const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, {
      method,
      headers: { ...authHeader(user.accessToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }

  async function ids(user: LoggedInUser, query = ''): Promise<string[]> {
    return ((await request(user, 'GET', `/sessions?limit=200${query}`)).body.data as { id: string }[]).map((s) => s.id)
  }

  async function sessionOf(owner: LoggedInUser): Promise<string> {
    const res = await request(owner, 'POST', '/sessions', { name: 'matrix', participant_code: 'P01' })
    expect(res.status).toBe(201)
    return res.body.id
  }

  beforeAll(async () => {
    t = await startTestStation()
    users.admin = await registerAndLogin(t, { role: 'admin' })
    users.researcher = await registerAndLogin(t, { role: 'researcher' })
    users.student = await registerAndLogin(t, { role: 'student' })
    users.otherOfAdmin = await registerAndLogin(t, { role: 'student' })
    users.otherOfResearcher = await registerAndLogin(t, { role: 'researcher' })
    users.otherOfStudent = await registerAndLogin(t, { role: 'researcher' })
  })
  afterAll(() => t.close())

  it.each(cases)('$role on $owner session: $op → $expected', async ({ role, owner, op, expected }) => {
    const actor = users[role]
    const sessionOwner = owner === 'own' ? actor : users[role === 'admin' ? 'otherOfAdmin' : role === 'researcher' ? 'otherOfResearcher' : 'otherOfStudent']
    const id = await sessionOf(sessionOwner)
    const res = await {
      read: () => request(actor, 'GET', `/sessions/${id}`),
      update: () => request(actor, 'PATCH', `/sessions/${id}`, { notes: 'edited' }),
      transition: () => request(actor, 'PATCH', `/sessions/${id}`, { status: 'aborted' }),
      marker: () => request(actor, 'POST', `/sessions/${id}/markers`, { label: 'lane change' }),
      delete: () => request(actor, 'DELETE', `/sessions/${id}`)
    }[op]()
    expect(res.status).toBe(expected === 'ok' ? OK[op] : expected)
    const after = await request(sessionOwner, 'GET', `/sessions/${id}`)
    if (expected === 'ok') {
      if (op === 'delete') expect(after.status).toBe(404)
      if (op === 'update') expect(after.body.notes).toBe('edited')
      if (op === 'transition') expect(after.body.status).toBe('aborted')
      if (op === 'marker') expect(after.body.markers).toHaveLength(1)
    } else {
      // A refused operation changed nothing.
      expect(after.status).toBe(200)
      expect(after.body).toMatchObject({ notes: '', status: 'planned', version: 1, markers: [] })
    }
    if (expected === 404) {
      // Forbidden and unknown ids answer identically, so ids cannot be probed.
      const unknown = await request(actor, 'GET', '/sessions/01a00000-0000-7000-8000-000000000000')
      const forbidden = await request(actor, 'GET', `/sessions/${id}`)
      expect(forbidden).toEqual(unknown)
    }
  })

  it('lists only their own sessions to students, everything to researchers and admins', async () => {
    const mine = await sessionOf(users.student)
    const theirs = await sessionOf(users.otherOfStudent)
    expect(await ids(users.student)).toContain(mine)
    expect(await ids(users.student)).not.toContain(theirs)
    expect(await ids(users.student, `&created_by=${users.otherOfStudent.user.id}`)).toEqual([])
    for (const who of [users.researcher, users.admin]) {
      expect(await ids(who)).toEqual(expect.arrayContaining([mine, theirs]))
    }
  })

  it('requires a token for every session route', async () => {
    for (const [method, path] of [
      ['GET', '/sessions'],
      ['POST', '/sessions'],
      ['GET', '/sessions/x'],
      ['PATCH', '/sessions/x'],
      ['DELETE', '/sessions/x'],
      ['POST', '/sessions/x/markers']
    ]) {
      const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, { method })
      expect(res.status, `${method} ${path}`).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
    }
  })
})
