import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../src/shared/protocol/close-codes'
import { PROTOCOL_VERSION } from '../../../src/shared/protocol/common'
import type { LoggedInUser } from '../../helpers/auth'
import { forgetStation } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { waitUntil } from '../../helpers/wait'
import { sessionOf, TestClient, tokenExpiringIn, userWith } from '../../helpers/ws-client'

describe('WebSocket upgrade: authentication, Origin and visibility', () => {
  let t: TestStation
  let admin: LoggedInUser
  let owner: LoggedInUser
  let otherStudent: LoggedInUser
  let researcher: LoggedInUser
  let sessionId: string

  beforeAll(async () => {
    t = await startTestStation({ server: { corsOrigins: ['https://lab.example.org'] } })
    admin = await userWith(t.baseUrl, 'admin')
    owner = await userWith(t.baseUrl, 'student')
    otherStudent = await userWith(t.baseUrl, 'student')
    researcher = await userWith(t.baseUrl, 'researcher')
    sessionId = await sessionOf(t.baseUrl, owner)
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  const patch = (path: string, token: string, body: Record<string, unknown>) =>
    fetch(`${t.baseUrl}/api/v1${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })

  /** `user` watching the monitor and the shared session. */
  async function monitorAndSession(user: LoggedInUser): Promise<{ monitor: TestClient; session: TestClient }> {
    const monitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: user.accessToken })
    const session = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: user.accessToken })
    await Promise.all([monitor.next('hello'), session.next('hello')])
    return { monitor, session }
  }

  it('refuses a missing token with 401 AUTH_MISSING_TOKEN before upgrading', async () => {
    const refusal = await TestClient.refused(t.baseUrl, `/ws/session/${sessionId}`)
    expect(refusal).toMatchObject({ status: 401, body: { code: 'AUTH_MISSING_TOKEN' } })
    expect(await TestClient.refused(t.baseUrl, '/ws/monitor')).toMatchObject({ status: 401, body: { code: 'AUTH_MISSING_TOKEN' } })
  })

  it('tells an expired token (AUTH_TOKEN_EXPIRED) from a bad one (AUTH_INVALID_TOKEN)', async () => {
    const expired = await tokenExpiringIn(t.station.ctx, owner.user.id, -60)
    expect(await TestClient.refused(t.baseUrl, `/ws/session/${sessionId}`, { token: expired })).toMatchObject({ status: 401, body: { code: 'AUTH_TOKEN_EXPIRED' } })
    expect(await TestClient.refused(t.baseUrl, `/ws/session/${sessionId}`, { token: 'not.a.jwt' })).toMatchObject({ status: 401, body: { code: 'AUTH_INVALID_TOKEN' } })
    expect(await TestClient.refused(t.baseUrl, '/ws/monitor', { token: expired, viaSubprotocol: true })).toMatchObject({ status: 401, body: { code: 'AUTH_TOKEN_EXPIRED' } })
  })

  it('answers 404 for an unknown session and for a session the user may not see', async () => {
    expect(await TestClient.refused(t.baseUrl, '/ws/session/0190c0de-0000-7000-8000-000000000000', { token: owner.accessToken })).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' }
    })
    expect(await TestClient.refused(t.baseUrl, `/ws/session/${sessionId}`, { token: otherStudent.accessToken })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })
  })

  it('refuses a browser Origin that is not allowed with 403, and accepts the configured and own origins', async () => {
    expect(await TestClient.refused(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken, origin: 'https://evil.example' })).toMatchObject({
      status: 403,
      body: { code: 'AUTH_FORBIDDEN' }
    })
    for (const origin of ['https://lab.example.org', t.baseUrl]) {
      const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken, origin })
      await c.next('hello')
      c.close()
    }
  })

  it('accepts the token as subprotocols "bearer, <token>" and echoes only "bearer"', async () => {
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken, viaSubprotocol: true })
    expect(c.ws.protocol).toBe('bearer')
    const hello = await c.next('hello')
    expect(hello).toMatchObject({ v: PROTOCOL_VERSION, channel: 'session', sessionId, sessionStatus: 'recording', canWrite: true, user: { id: owner.user.id } })
    c.close()
  })

  it('lets readers in without write permission: a researcher watches, a student owner writes, an admin writes', async () => {
    const watcher = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: researcher.accessToken })
    expect(await watcher.next('hello')).toMatchObject({ canWrite: false })
    watcher.send({ type: 'marker.add', seq: 1, tMs: Date.now(), label: 'x' })
    expect(await watcher.next('error')).toMatchObject({ code: 'AUTH_FORBIDDEN', inReplyTo: { type: 'marker.add', seq: 1 } })
    const boss = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: admin.accessToken })
    expect(await boss.next('hello')).toMatchObject({ canWrite: true })
    watcher.close()
    boss.close()
  })

  it('warns before expiry, keeps a connection whose client re-authenticates in-band and closes one whose token runs out with 4001', async () => {
    const hub = t.station.ctx.hub
    const saved = hub.options.expiryWarningMs
    hub.options.expiryWarningMs = 1500
    // 5-6 s: room for the refresh below to land before expiry however slow the host.
    const shortToken = await tokenExpiringIn(t.station.ctx, owner.user.id, 6)
    const refreshing = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: shortToken })
    const lapsing = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: shortToken })
    hub.options.expiryWarningMs = saved
    const hello = await refreshing.next('hello')
    expect(hello.tokenExpiresAtMs).toBeLessThan(Date.now() + 7000)

    refreshing.send({ type: 'auth.refresh', token: 'garbage' })
    expect(await refreshing.next('error')).toMatchObject({ code: 'AUTH_INVALID_TOKEN', inReplyTo: { type: 'auth.refresh' } })
    refreshing.send({ type: 'auth.refresh', token: owner.accessToken })
    const refreshed = await refreshing.next('auth.refreshed')
    expect(refreshed.tokenExpiresAtMs).toBeGreaterThan(Date.now() + 60_000)

    expect(await lapsing.closed).toEqual({ code: CLOSE_CODES.TOKEN_EXPIRED, reason: 'access token expired' })
    expect(lapsing.of('auth.expiring')).toEqual([{ v: PROTOCOL_VERSION, type: 'auth.expiring', tokenExpiresAtMs: hello.tokenExpiresAtMs }])
    // Once the old expiry is past, the next loop turn would run a timer left from the old token before
    // the station reads our ping: the pong proves the refresh replaced it.
    await waitUntil(() => Date.now() > hello.tokenExpiresAtMs! + 20)
    await refreshing.sync()
    expect(refreshing.ws.readyState).toBe(refreshing.ws.OPEN)
    refreshing.close()
  })

  it('closes with 4003 when auth.refresh carries another user\u2019s token', async () => {
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: admin.accessToken })
    await c.next('hello')
    c.send({ type: 'auth.refresh', token: researcher.accessToken })
    expect((await c.closed).code).toBe(CLOSE_CODES.AUTH_REVOKED)
  })

  describe('follows account changes at once, not when the token expires', () => {
    it('closes every connection of a deactivated user, or of one who changed their password, with 4003; others stay', async () => {
      const bystander = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken })
      await bystander.next('hello')

      const deactivated = await userWith(t.baseUrl, 'researcher')
      const a = await monitorAndSession(deactivated)
      expect((await patch(`/users/${deactivated.user.id}`, admin.accessToken, { is_active: false })).status).toBe(200)
      for (const c of [a.monitor, a.session]) expect(await c.closed).toMatchObject({ code: CLOSE_CODES.AUTH_REVOKED, reason: expect.stringMatching(/signed out everywhere/) })

      const careful = await userWith(t.baseUrl, 'researcher')
      const b = await monitorAndSession(careful)
      expect((await patch('/users/me', careful.accessToken, { password: 'a brand new passphrase', current_password: careful.password })).status).toBe(200)
      for (const c of [b.monitor, b.session]) expect((await c.closed).code).toBe(CLOSE_CODES.AUTH_REVOKED)

      // Nobody else was disconnected.
      await bystander.sync()
      bystander.close()
    })

    it('applies a new role to open connections: a researcher made student loses a session that is not theirs, keeps the monitor', async () => {
      const demoted = await userWith(t.baseUrl, 'researcher')
      const c = await monitorAndSession(demoted)
      // As a researcher they see the student owner's recording (started in beforeAll) on the monitor.
      const before = await c.monitor.next('monitor.snapshot', (m) => m.sessions.some((x) => x.sessionId === sessionId), 10_000)
      expect(before.sessions.map((x) => x.sessionId)).toContain(sessionId)
      expect((await patch(`/users/${demoted.user.id}`, admin.accessToken, { role: 'student' })).status).toBe(200)
      expect(await c.session.closed).toMatchObject({ code: CLOSE_CODES.SESSION_GONE, reason: expect.stringMatching(/new role/) })
      await c.monitor.sync()
      // The next snapshot is filtered by the new role: the other student's session is no longer in it.
      const seen = c.monitor.messages.length
      const after = await c.monitor.next('monitor.snapshot', () => c.monitor.messages.length > seen, 10_000)
      expect(after.sessions.map((x) => x.sessionId)).not.toContain(sessionId)
      c.monitor.close()
    })
  })
})
