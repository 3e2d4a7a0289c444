/**
 * Who may do what to which session: every action of src/station/sessions/permissions.ts × 3 roles ×
 * own/other session, over REST and over the WebSocket wherever the action has that path, as one table.
 * The table is written out here, not computed from the rule, so a change of the rule fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_ACTIONS, type SessionAction } from '../../src/shared/schemas/sessions'
import { authHeader, registerAndLogin, type LoggedInUser, type TestRole } from '../helpers/auth'
import { startTestStation, type TestStation } from '../helpers/station'
import { eegBatch, setStatus, TestClient } from '../helpers/ws-client'

type Owner = 'own' | 'other'
type Outcome = 'ok' | 403 | 404

/** docs/sessions.md "Who may do what", row by row. */
const MATRIX: Record<TestRole, Record<Owner, Record<SessionAction, Outcome>>> = {
  admin: {
    own: { read: 'ok', export: 'ok', acknowledge_alert: 'ok', edit: 'ok', change_status: 'ok', add_marker: 'ok', send_data: 'ok', delete: 'ok' },
    other: { read: 'ok', export: 'ok', acknowledge_alert: 'ok', edit: 'ok', change_status: 'ok', add_marker: 'ok', send_data: 'ok', delete: 'ok' }
  },
  researcher: {
    own: { read: 'ok', export: 'ok', acknowledge_alert: 'ok', edit: 'ok', change_status: 'ok', add_marker: 'ok', send_data: 'ok', delete: 'ok' },
    other: { read: 'ok', export: 'ok', acknowledge_alert: 'ok', edit: 403, change_status: 403, add_marker: 403, send_data: 403, delete: 403 }
  },
  student: {
    own: { read: 'ok', export: 'ok', acknowledge_alert: 'ok', edit: 'ok', change_status: 'ok', add_marker: 'ok', send_data: 'ok', delete: 'ok' },
    other: { read: 404, export: 404, acknowledge_alert: 404, edit: 404, change_status: 404, add_marker: 404, send_data: 404, delete: 404 }
  }
}

/** Which paths carry each action: REST routes, WebSocket messages (`read` on the socket is the upgrade itself). */
const PATHS: Record<SessionAction, ('rest' | 'ws')[]> = {
  read: ['rest', 'ws'],
  export: ['rest'],
  acknowledge_alert: ['rest', 'ws'],
  edit: ['rest'],
  change_status: ['rest'],
  add_marker: ['rest', 'ws'],
  send_data: ['ws'],
  delete: ['rest']
}

const ROLES: TestRole[] = ['admin', 'researcher', 'student']
const cases = ROLES.flatMap((role) =>
  (['own', 'other'] as Owner[]).flatMap((owner) =>
    SESSION_ACTIONS.flatMap((action) => PATHS[action].map((path) => ({ role, owner, action, path, expected: MATRIX[role][owner][action] })))
  )
)

/** Sends one message and reads the outcome: the success message, or the refusal's code as 403/404. */
async function wsOutcome(client: TestClient, send: () => void, success: () => Promise<unknown>, inReplyTo: string): Promise<Outcome> {
  const error = client.next('error', (m) => m.inReplyTo?.type === inReplyTo)
  const done = success().then(() => 'ok' as const)
  // Whichever loses the race times out later; that is not a failure.
  error.catch(() => undefined)
  done.catch(() => undefined)
  send()
  const result = await Promise.race([done, error])
  if (result === 'ok') return 'ok'
  expect(result.message).toMatch(/^Only the creator of the session or an admin can /)
  return result.code === 'AUTH_FORBIDDEN' ? 403 : result.code === 'NOT_FOUND' ? 404 : (result.code as never)
}

describe('one rule for who may act on a session, on REST and on the WebSocket', () => {
  let t: TestStation
  const users = {} as Record<TestRole, LoggedInUser>
  /** The owner of "other" sessions per role: a student for the admin, a researcher for the others. */
  const others = {} as Record<TestRole, LoggedInUser>

  async function request(user: LoggedInUser, method: string, path: string, body?: unknown) {
    const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, {
      method,
      headers: { ...authHeader(user.accessToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    const isJson = (res.headers.get('content-type') ?? '').includes('json')
    return { status: res.status, body: text && isJson ? JSON.parse(text) : text }
  }

  async function sessionOf(owner: LoggedInUser, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await request(owner, 'POST', '/sessions', { name: 'matrix', participant_code: 'P01', ...extra })
    expect(res.status).toBe(201)
    return res.body.id
  }

  /** A session with one second of EEG from its owner, completed: something to export. */
  async function recordedSessionOf(owner: LoggedInUser): Promise<string> {
    const device = { kind: 'client', channel_names: ['Fp1', 'Fp2', 'C3', 'C4', 'O1', 'O2', 'P3', 'P4'], sample_rate_hz: 250 }
    const id = await sessionOf(owner, { device })
    await setStatus(t.baseUrl, owner, id, 'recording')
    const producer = await TestClient.connect(t.baseUrl, `/ws/session/${id}`, { token: owner.accessToken })
    producer.send(eegBatch(1, 0, 250))
    await producer.next('ack', (m) => m.seq === 1)
    producer.close()
    await setStatus(t.baseUrl, owner, id, 'completed')
    return id
  }

  function alertIn(sessionId: string): string {
    return t.station.ctx.fatigue.repository.insertAlert(sessionId, { tMs: Date.now(), type: 'perclos', severity: 'warning', score: 0.3, value: 0.2, threshold: 0.15, message: 'PERCLOS above 15 %' }).id
  }

  /** A socket the actor may open, or the upgrade's refusal status. */
  async function open(actor: LoggedInUser, id: string): Promise<TestClient | number> {
    try {
      const client = await TestClient.connect(t.baseUrl, `/ws/session/${id}`, { token: actor.accessToken })
      await client.next('hello')
      return client
    } catch (err) {
      const refusal = (err as { refusal?: { status: number } }).refusal
      if (!refusal) throw err
      return refusal.status
    }
  }

  async function ids(user: LoggedInUser, query = ''): Promise<string[]> {
    return ((await request(user, 'GET', `/sessions?limit=200${query}`)).body.data as { id: string }[]).map((s) => s.id)
  }

  beforeAll(async () => {
    t = await startTestStation()
    for (const role of ROLES) users[role] = await registerAndLogin(t, { role })
    others.admin = await registerAndLogin(t, { role: 'student' })
    others.researcher = await registerAndLogin(t, { role: 'researcher' })
    others.student = await registerAndLogin(t, { role: 'researcher' })
  })
  afterAll(() => t.close())

  it.each(cases)('$role on $owner session: $action over $path → $expected', async ({ role, owner, action, path, expected }) => {
    const actor = users[role]
    const sessionOwner = owner === 'own' ? actor : others[role]
    const id = action === 'export' ? await recordedSessionOf(sessionOwner) : await sessionOf(sessionOwner)
    const before = (await request(sessionOwner, 'GET', `/sessions/${id}`)).body
    const alertId = action === 'acknowledge_alert' ? alertIn(id) : null
    const isLiveData = action === 'add_marker' || action === 'send_data'
    if (isLiveData && path === 'ws') await setStatus(t.baseUrl, sessionOwner, id, 'recording')
    let outcome: Outcome
    try {
      if (path === 'rest') {
        const res = await {
          read: () => request(actor, 'GET', `/sessions/${id}`),
          export: () => request(actor, 'GET', `/sessions/${id}/export?format=csv`),
          acknowledge_alert: () => request(actor, 'POST', `/sessions/${id}/alerts/${alertId}/ack`),
          edit: () => request(actor, 'PATCH', `/sessions/${id}`, { notes: 'edited' }),
          change_status: () => request(actor, 'PATCH', `/sessions/${id}`, { status: 'aborted' }),
          add_marker: () => request(actor, 'POST', `/sessions/${id}/markers`, { label: 'lane change' }),
          delete: () => request(actor, 'DELETE', `/sessions/${id}`),
          send_data: () => Promise.reject(new Error('no REST path'))
        }[action]()
        outcome = res.status >= 200 && res.status < 300 ? 'ok' : (res.status as Outcome)
        if (res.status === 403) expect(res.body).toMatchObject({ code: 'AUTH_FORBIDDEN', detail: expect.stringMatching(/^Only the creator of the session or an admin can /) })
        // Readers see what they may do, in the same words as the rule.
        if (action === 'read' && outcome === 'ok') {
          expect(res.body.allowed_actions).toEqual(SESSION_ACTIONS.filter((a) => MATRIX[role][owner][a] === 'ok'))
        }
      } else {
        const client = await open(actor, id)
        if (typeof client === 'number') outcome = client as Outcome
        else {
          const now = Date.now()
          outcome = await {
            read: async (): Promise<Outcome> => 'ok',
            acknowledge_alert: () =>
              wsOutcome(client, () => client.send({ type: 'alert.ack', alertId: alertId! }), () => client.next('alert.acknowledged', (m) => m.alert.id === alertId), 'alert.ack'),
            add_marker: () =>
              wsOutcome(client, () => client.send({ type: 'marker.add', seq: 1, tMs: now, label: 'lane change' }), () => client.next('ack', (m) => m.seq === 1), 'marker.add'),
            send_data: () =>
              wsOutcome(
                client,
                () => client.send({ type: 'face.events', seq: 1, events: [{ kind: 'blink', tMs: now, durationMs: 150 }] }),
                () => client.next('ack', (m) => m.seq === 1),
                'face.events'
              ),
            export: () => Promise.reject(new Error('no WS path')),
            edit: () => Promise.reject(new Error('no WS path')),
            change_status: () => Promise.reject(new Error('no WS path')),
            delete: () => Promise.reject(new Error('no WS path'))
          }[action]()
          client.close()
        }
      }
    } finally {
      if (isLiveData && path === 'ws') await setStatus(t.baseUrl, sessionOwner, id, 'completed')
    }
    expect(outcome).toBe(expected)

    // The effect is there exactly when the action was allowed, and says who acted.
    const after = await request(sessionOwner, 'GET', `/sessions/${id}`)
    if (action === 'delete' && expected === 'ok') return expect(after.status).toBe(404)
    expect(after.status).toBe(200)
    const changed = expected === 'ok'
    if (action === 'edit') expect(after.body.notes).toBe(changed ? 'edited' : '')
    if (action === 'change_status') expect(after.body.status).toBe(changed ? 'aborted' : 'planned')
    if (action === 'add_marker') expect(after.body.markers.map((m: { created_by: string }) => m.created_by)).toEqual(changed ? [actor.user.id] : [])
    if (action === 'send_data') expect(after.body.counters.face_events).toBe(changed ? 1 : 0)
    if (action === 'acknowledge_alert') {
      const alerts = (await request(sessionOwner, 'GET', `/sessions/${id}/alerts`)).body.data as { id: string; acknowledged_by: string | null }[]
      expect(alerts.find((a) => a.id === alertId)?.acknowledged_by).toBe(changed ? actor.user.id : null)
    }
    if (!changed && !isLiveData) expect(after.body.version).toBe(before.version)
    if (expected === 404 && path === 'rest') {
      // Forbidden and unknown ids answer identically, so ids cannot be probed.
      const unknown = await request(actor, 'GET', '/sessions/01a00000-0000-7000-8000-000000000000')
      expect(await request(actor, 'GET', `/sessions/${id}`)).toEqual(unknown)
    }
  })

  it('lists only their own sessions to students, everything to researchers and admins', async () => {
    const mine = await sessionOf(users.student)
    const theirs = await sessionOf(others.student)
    expect(await ids(users.student)).toContain(mine)
    expect(await ids(users.student)).not.toContain(theirs)
    expect(await ids(users.student, `&created_by=${others.student.user.id}`)).toEqual([])
    for (const who of [users.researcher, users.admin]) expect(await ids(who)).toEqual(expect.arrayContaining([mine, theirs]))
  })

  it('requires a token for every session route', async () => {
    for (const [method, path] of [
      ['GET', '/sessions'],
      ['POST', '/sessions'],
      ['GET', '/sessions/x'],
      ['PATCH', '/sessions/x'],
      ['DELETE', '/sessions/x'],
      ['POST', '/sessions/x/markers'],
      ['POST', '/sessions/x/alerts/y/ack'],
      ['GET', '/sessions/x/export?format=csv']
    ]) {
      const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, { method })
      expect(res.status, `${method} ${path}`).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
    }
  })
})
