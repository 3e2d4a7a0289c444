/**
 * Requests an attacker on the lab network, or a page in a researcher's browser, would send
 * (issue 23: tokens, DNS rebinding, cross-site content types, throttles).
 */
import { SignJWT } from 'jose'
import { request } from 'node:http'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerAndLogin, TEST_PASSWORD, type LoggedInUser } from '../helpers/auth'
import { startTestStation, type TestStation } from '../helpers/station'
import { TestClient } from '../helpers/ws-client'

describe('request hardening', () => {
  let t: TestStation
  let student: LoggedInUser

  beforeAll(async () => {
    t = await startTestStation({ server: { allowedHosts: ['vigil.lab.example'] } })
    await registerAndLogin(t.baseUrl, { role: 'admin' })
    student = await registerAndLogin(t.baseUrl, { role: 'student' })
  })
  afterAll(() => t.close())

  function sign(claims: Record<string, unknown>) {
    const { auth } = t.station.ctx.config
    const nowSec = Math.floor(Date.now() / 1000)
    return new SignJWT({ iss: auth.issuer, aud: auth.audience, sub: student.user.id, iat: nowSec, exp: nowSec + 600, jti: 'j1', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(t.station.ctx.jwtSecret)
  }

  const me = (token: string) => fetch(`${t.baseUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } })

  it('refuses a token signed with the real key but issued in the future, or not valid before a future time', async () => {
    const nowSec = Math.floor(Date.now() / 1000)
    const cases = {
      'iat in 1 hour': await sign({ iat: nowSec + 3600 }),
      'iat in 10 years': await sign({ iat: nowSec + 10 * 365 * 86_400, exp: nowSec + 10 * 365 * 86_400 + 600 }),
      'nbf in 1 hour': await sign({ nbf: nowSec + 3600 })
    }
    for (const [name, token] of Object.entries(cases)) {
      const res = await me(token)
      expect(res.status, name).toBe(401)
      expect(((await res.json()) as { code: string }).code, name).toBe('AUTH_INVALID_TOKEN')
      await expect(TestClient.connect(t.baseUrl, '/ws/monitor', { token }), name).rejects.toMatchObject({ refusal: { status: 401 } })
    }
    // Within the 5-s clock tolerance a token is still good: the station signs its own tokens.
    expect((await me(await sign({ iat: nowSec + 2 }))).status).toBe(200)
  })

  it('answers only to its own host names: a rebound DNS name gets 421 on REST and WebSocket', async () => {
    const port = new URL(t.baseUrl).port
    const send = (host: string, path: string, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: { host, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
          let text = ''
          res.on('data', (c: Buffer) => (text += c.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        })
        req.on('error', reject)
        req.end(body)
      })
    const rebound = await send(`attacker.example:${port}`, '/api/v1/auth/register', JSON.stringify({ email: 'rebind@lab.test', password: TEST_PASSWORD }))
    expect(rebound.status).toBe(421)
    expect(JSON.parse(rebound.body)).toMatchObject({ code: 'HOST_NOT_ALLOWED', detail: expect.stringContaining('"attacker.example"') })
    for (const path of ['/api/v1/health', '/api/v1/openapi.json', '/docs/', '/']) expect((await send(`attacker.example:${port}`, path)).status, path).toBe(421)
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, 'vigil.lab.example']) {
      expect((await send(host, '/api/v1/health')).status, host).toBe(200)
    }
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws/monitor?token=${student.accessToken}`, { headers: { host: 'attacker.example' } })
        ws.once('open', () => resolve('open'))
        ws.once('unexpected-response', (req, res) => {
          req.destroy()
          reject(Object.assign(new Error('refused'), { status: res.statusCode }))
        })
        ws.once('error', reject)
      })
    ).rejects.toMatchObject({ status: 421 })
  })

  it('refuses JSON sent as text/plain with 415 instead of parsing it', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ email: 'plain-text@lab.test', password: TEST_PASSWORD }) })
    expect(res.status).toBe(415)
    expect(((await res.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE')
  })
})

describe('registration limit per address', () => {
  let t: TestStation
  beforeAll(async () => {
    t = await startTestStation({ auth: { registrationsPerAddress: 3 } })
  })
  afterAll(() => t.close())

  it('answers registrations over the limit with 429 and Retry-After, never a 500', async () => {
    const statuses: number[] = []
    let refused: Response | undefined
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${t.baseUrl}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `burst-${i}@lab.test`, password: TEST_PASSWORD }) })
      statuses.push(res.status)
      if (res.status === 429) refused = res
      else await res.arrayBuffer()
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429])
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await refused!.json()).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringMatching(/retry in \d+ s/) })
  })
})

describe('login under a burst', () => {
  let t: TestStation
  beforeAll(async () => {
    // A realistic cost, so concurrent attempts really overlap in bcrypt.
    t = await startTestStation({ auth: { bcryptCost: 10 } })
    await registerAndLogin(t.baseUrl, { role: 'admin', email: 'target@lab.test' })
    await registerAndLogin(t.baseUrl, { role: 'student', email: 'bystander@lab.test' })
  })
  afterAll(() => t.close())

  const login = (username: string, password: string) =>
    fetch(`${t.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password }).toString() })

  it('checks at most a handful of 30 concurrent wrong passwords, refuses the rest with 429 before hashing, and lets another user in', async () => {
    const burst = Array.from({ length: 30 }, (_, i) => login('target@lab.test', i === 15 ? TEST_PASSWORD : `wrong-${i}`))
    const bystander = login('bystander@lab.test', TEST_PASSWORD)
    const responses = await Promise.all(burst)
    const verified = responses.filter((r) => r.status !== 429)
    // One at a time per account, and the throttle locks the account after 5 failures.
    expect(verified.length).toBeLessThanOrEqual(6)
    for (const refused of responses.filter((r) => r.status === 429)) expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await bystander).status).toBe(200)
  })
})
