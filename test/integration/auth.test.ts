import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authHeader, login, registerAndLogin, TEST_PASSWORD } from '../helpers/auth'
import { startTestStation, type TestStation } from '../helpers/station'

interface Call {
  token?: string
  json?: unknown
  form?: Record<string, string>
  raw?: string
  headers?: Record<string, string>
}

async function call(t: TestStation, method: string, path: string, opts: Call = {}) {
  const headers: Record<string, string> = { ...(opts.token ? authHeader(opts.token) : {}), ...opts.headers }
  let body: string | undefined
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(opts.json)
  } else if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(opts.form).toString()
  } else if (opts.raw !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = opts.raw
  }
  const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, { method, headers, body })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('auth: registration, login and tokens', () => {
  let t: TestStation
  let admin: Awaited<ReturnType<typeof registerAndLogin>>
  let student: Awaited<ReturnType<typeof registerAndLogin>>

  beforeAll(async () => {
    t = await startTestStation()
    admin = await registerAndLogin(t, { role: 'admin' })
    student = await registerAndLogin(t, { role: 'student' })
  })
  afterAll(() => t.close())

  function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: Uint8Array = t.station.ctx.jwtSecret) {
    const { auth } = t.station.ctx.config
    const nowSec = Math.floor(Date.now() / 1000)
    return new SignJWT({ iss: auth.issuer, aud: auth.audience, sub: student.user.id, iat: nowSec, exp: nowSec + 600, jti: 'j1', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header } as { alg: string })
      .sign(key)
  }

  it('makes the first account admin and later ones students, and never returns the hash', async () => {
    expect(admin.user.role).toBe('admin')
    expect(student.user.role).toBe('student')
    const res = await call(t, 'POST', '/auth/register', { json: { email: 'plain@lab.test', password: TEST_PASSWORD, full_name: 'Plain' } })
    expect(res.status).toBe(201)
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'email', 'full_name', 'id', 'is_active', 'role', 'updated_at'])
    expect(res.body).toMatchObject({ role: 'student', is_active: true, full_name: 'Plain' })
    expect(JSON.stringify(res.body)).not.toContain('$2')
  })

  it('trims and case-folds emails, so unicode and case variants are the same account', async () => {
    const composed = 'Ren\u00e9@Lab.test'
    const first = await call(t, 'POST', '/auth/register', { json: { email: `  ${composed}  `, password: TEST_PASSWORD } })
    expect(first.status).toBe(201)
    expect(first.body.email).toBe('ren\u00e9@lab.test')
    for (const variant of ['REN\u00c9@LAB.TEST', 'rene\u0301@lab.test', ' ren\u00e9@lab.test']) {
      const dup = await call(t, 'POST', '/auth/register', { json: { email: variant, password: TEST_PASSWORD } })
      expect(dup.status, variant).toBe(409)
    }
    expect((await call(t, 'POST', '/auth/login', { form: { username: 'RENE\u0301@LAB.TEST', password: TEST_PASSWORD } })).status).toBe(200)
  })

  it('refuses role escalation through register and PATCH /users/me', async () => {
    const reg = await call(t, 'POST', '/auth/register', { json: { email: 'sneaky@lab.test', password: TEST_PASSWORD, role: 'admin' } })
    expect(reg.status).toBe(422)
    expect((await call(t, 'POST', '/auth/login', { form: { username: 'sneaky@lab.test', password: TEST_PASSWORD } })).status).toBe(401)
    for (const body of [{ role: 'admin' }, { is_active: true, full_name: 'x' }, { email: 'admin@lab.test' }]) {
      const res = await call(t, 'PATCH', '/users/me', { token: student.accessToken, json: body })
      expect(res.status).toBe(422)
    }
    expect((await call(t, 'GET', '/users/me', { token: student.accessToken })).body.role).toBe('student')
  })

  it('logs in with the OAuth2 form and with JSON, answering the FastAPI token shape', async () => {
    // What Swagger UI's "Authorize" (OAuth2 password flow) sends.
    const form = await call(t, 'POST', '/auth/login', { form: { grant_type: 'password', username: student.user.email, password: TEST_PASSWORD, scope: '' } })
    expect(form.status).toBe(200)
    expect(form.body).toMatchObject({ token_type: 'bearer', expires_in: 900 })
    expect(typeof form.body.access_token).toBe('string')
    expect(typeof form.body.refresh_token).toBe('string')
    const json = await call(t, 'POST', '/auth/login', { json: { username: student.user.email, password: TEST_PASSWORD } })
    expect(json.status).toBe(200)
    const me = await call(t, 'GET', '/users/me', { token: json.body.access_token })
    expect(me.body.email).toBe(student.user.email)
  })

  it('answers an unknown email exactly like a wrong password', async () => {
    const wrong = await call(t, 'POST', '/auth/login', { form: { username: student.user.email, password: 'not the password' } })
    const unknown = await call(t, 'POST', '/auth/login', { form: { username: 'nobody@lab.test', password: 'not the password' } })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual(wrong.body)
  })

  it('answers 401 with WWW-Authenticate: Bearer for missing and malformed credentials', async () => {
    const missing = await call(t, 'GET', '/users/me')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    expect(missing.body.code).toBe('AUTH_MISSING_TOKEN')
    for (const header of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer a.b.c', `Token ${student.accessToken}`]) {
      const res = await call(t, 'GET', '/users/me', { headers: { authorization: header } })
      expect(res.status, header).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    }
  })

  it('refuses forged, tampered, expired and mis-addressed tokens', async () => {
    const [header, payload, signature] = student.accessToken.split('.')
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const { privateKey } = await generateKeyPair('RS256')
    const nowSec = Math.floor(Date.now() / 1000)
    const cases: Record<string, string> = {
      'alg none': `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url({ ...claims, sub: admin.user.id })}.`,
      'HS512 with the same secret': await sign({}, { alg: 'HS512' }),
      'RS256 with a foreign key': await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).sign(privateKey),
      'payload swapped to the admin': `${header}.${b64url({ ...claims, sub: admin.user.id })}.${signature}`,
      'signature flipped': `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
      'signed with another secret': await sign({}, {}, new Uint8Array(32).fill(7)),
      'wrong audience': await sign({ aud: 'someone-else' }),
      'wrong issuer': await sign({ iss: 'evil' }),
      'wrong typ (plain JWT)': await sign({}, { typ: 'JWT' }),
      'no jti': await sign({ jti: undefined }),
      'no exp': await sign({ exp: undefined }),
      'user that does not exist': await sign({ sub: '00000000-0000-7000-8000-000000000000' }),
      'sub that is not a string': await sign({ sub: 42 }),
      'refresh token used as access token': student.refreshToken
    }
    for (const [name, token] of Object.entries(cases)) {
      const res = await call(t, 'GET', '/users/me', { token })
      expect(res.status, name).toBe(401)
      expect(res.body.code, name).toBe('AUTH_INVALID_TOKEN')
      expect(res.headers.get('www-authenticate'), name).toBe('Bearer error="invalid_token"')
    }
    const expired = await call(t, 'GET', '/users/me', { token: await sign({ iat: nowSec - 3600, exp: nowSec - 60 }) })
    expect(expired.status).toBe(401)
    expect(expired.body.code).toBe('AUTH_TOKEN_EXPIRED')
    expect((await call(t, 'GET', '/users/me', { token: await sign({}) })).status).toBe(200)
  })

  it('rotates refresh tokens and revokes the whole family when a rotated one comes back', async () => {
    const first = await login(t, student.user.email)
    const second = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: first.refreshToken } })
    expect(second.status).toBe(200)
    expect(second.body.refresh_token).not.toBe(first.refreshToken)
    const third = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: second.body.refresh_token } })
    expect(third.status).toBe(200)
    const replay = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: first.refreshToken } })
    expect(replay.status).toBe(401)
    expect(replay.body.code).toBe('AUTH_TOKEN_REVOKED')
    // The legitimate latest token dies with its family.
    const latest = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: third.body.refresh_token } })
    expect(latest.status).toBe(401)
    // Other logins of the same user are separate families and survive.
    expect((await call(t, 'POST', '/auth/refresh', { json: { refresh_token: student.refreshToken } })).status).toBe(200)
  })

  it('lets a client whose refresh response was lost retry with the same token, once its successor is unused', async () => {
    const first = await login(t, student.user.email)
    const lost = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: first.refreshToken } })
    expect(lost.status).toBe(200) // ...but imagine the answer never arrived
    const retry = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: first.refreshToken } })
    expect(retry.status).toBe(200)
    expect((await call(t, 'GET', '/users/me', { token: retry.body.access_token as string })).status).toBe(200)
    // The answer that went astray is worthless now: whoever presents it revokes the login.
    const astray = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: lost.body.refresh_token } })
    expect(astray.body.code).toBe('AUTH_TOKEN_REVOKED')
    expect((await call(t, 'POST', '/auth/refresh', { json: { refresh_token: retry.body.refresh_token } })).status).toBe(401)
  })

  it('refuses an access token as a refresh token and stores refresh tokens only hashed', async () => {
    const res = await call(t, 'POST', '/auth/refresh', { json: { refresh_token: admin.accessToken.slice(0, 200) } })
    expect(res.status).toBe(401)
    const fresh = await login(t, admin.user.email)
    const rows = t.station.ctx.db.prepare('SELECT token_hash FROM refresh_tokens').all() as { token_hash: string }[]
    expect(rows.some((r) => r.token_hash === fresh.refreshToken)).toBe(false)
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true)
  })

  it('logout revokes the family of the refresh token', async () => {
    const session = await login(t, student.user.email)
    expect((await call(t, 'POST', '/auth/logout', { json: { refresh_token: session.refreshToken } })).status).toBe(204)
    expect((await call(t, 'POST', '/auth/refresh', { json: { refresh_token: session.refreshToken } })).status).toBe(401)
  })

  it('a password change needs the current password and logs out every session', async () => {
    const user = await registerAndLogin(t, { role: 'researcher' })
    const other = await login(t, user.user.email)
    const wrong = await call(t, 'PATCH', '/users/me', { token: user.accessToken, json: { password: 'new password 123', current_password: 'nope nope' } })
    expect(wrong.status).toBe(400)
    const noCurrent = await call(t, 'PATCH', '/users/me', { token: user.accessToken, json: { password: 'new password 123' } })
    expect(noCurrent.status).toBe(422)
    expect(noCurrent.body.detail[0].loc).toEqual(['body', 'current_password'])
    const ok = await call(t, 'PATCH', '/users/me', { token: user.accessToken, json: { password: 'new password 123', current_password: TEST_PASSWORD, full_name: 'R' } })
    expect(ok.status).toBe(200)
    expect(ok.body.full_name).toBe('R')
    const revoked = await call(t, 'GET', '/users/me', { token: other.accessToken })
    expect(revoked.status).toBe(401)
    expect(revoked.body.code).toBe('AUTH_TOKEN_REVOKED')
    expect((await call(t, 'POST', '/auth/refresh', { json: { refresh_token: other.refreshToken } })).status).toBe(401)
    expect((await call(t, 'POST', '/auth/login', { form: { username: user.user.email, password: TEST_PASSWORD } })).status).toBe(401)
    const again = await login(t, user.user.email, 'new password 123')
    expect((await call(t, 'GET', '/users/me', { token: again.accessToken })).status).toBe(200)
  })

  it('deactivation logs the user out and blocks login; reactivation lets them back in', async () => {
    const user = await registerAndLogin(t)
    const off = await call(t, 'PATCH', `/users/${user.user.id}`, { token: admin.accessToken, json: { is_active: false } })
    expect(off.body.is_active).toBe(false)
    const me = await call(t, 'GET', '/users/me', { token: user.accessToken })
    expect(me.status).toBe(401)
    expect(me.body.code).toBe('AUTH_INACTIVE_USER')
    expect((await call(t, 'POST', '/auth/refresh', { json: { refresh_token: user.refreshToken } })).status).toBe(401)
    const denied = await call(t, 'POST', '/auth/login', { form: { username: user.user.email, password: TEST_PASSWORD } })
    expect(denied.status).toBe(401)
    expect(denied.body.code).toBe('AUTH_INACTIVE_USER')
    await call(t, 'PATCH', `/users/${user.user.id}`, { token: admin.accessToken, json: { is_active: true } })
    expect((await call(t, 'POST', '/auth/login', { form: { username: user.user.email, password: TEST_PASSWORD } })).status).toBe(200)
  })

  it('keeps students and researchers out of admin routes', async () => {
    const researcher = await registerAndLogin(t, { role: 'researcher' })
    for (const who of [student, researcher]) {
      const list = await call(t, 'GET', '/users', { token: who.accessToken })
      expect(list.status).toBe(403)
      expect(list.body.code).toBe('AUTH_FORBIDDEN')
      const patch = await call(t, 'PATCH', `/users/${who.user.id}`, { token: who.accessToken, json: { role: 'admin' } })
      expect(patch.status).toBe(403)
    }
    expect((await call(t, 'GET', '/users/me', { token: student.accessToken })).body.role).toBe('student')
  })

  it('lets the admin page through users and change roles, but not remove the last admin', async () => {
    const page = await call(t, 'GET', '/users?skip=0&limit=2', { token: admin.accessToken })
    expect(page.status).toBe(200)
    expect(page.body.data).toHaveLength(2)
    expect(page.body.count).toBeGreaterThan(2)
    expect((await call(t, 'GET', '/users?limit=201', { token: admin.accessToken })).status).toBe(422)
    const self = await call(t, 'PATCH', `/users/${admin.user.id}`, { token: admin.accessToken, json: { role: 'student' } })
    expect(self.status).toBe(409)
    expect((await call(t, 'PATCH', '/users/00000000-0000-7000-8000-000000000000', { token: admin.accessToken, json: { role: 'student' } })).status).toBe(404)
  })

  it('treats SQL-injection strings in every field as plain data', async () => {
    const evil = "x' OR '1'='1'; DROP TABLE users;--"
    const reg = await call(t, 'POST', '/auth/register', { json: { email: "o'hara--@lab.test", password: evil, full_name: evil } })
    expect(reg.status).toBe(201)
    expect(reg.body.full_name).toBe(evil)
    expect((await call(t, 'POST', '/auth/register', { json: { email: evil, password: evil } })).status).toBe(422)
    for (const form of [
      { username: evil, password: evil },
      { username: "o'hara--@lab.test' --", password: 'x' },
      { username: "' OR 1=1 --", password: "' OR 1=1 --" }
    ]) {
      expect((await call(t, 'POST', '/auth/login', { form })).status).toBe(401)
    }
    expect((await call(t, 'POST', '/auth/login', { form: { username: "o'hara--@lab.test", password: evil } })).status).toBe(200)
    expect((await call(t, 'POST', '/auth/refresh', { json: { refresh_token: evil } })).status).toBe(401)
    expect((await call(t, 'GET', `/users?skip=${encodeURIComponent(evil)}`, { token: admin.accessToken })).status).toBe(422)
    expect((await call(t, 'PATCH', `/users/${encodeURIComponent(evil)}`, { token: admin.accessToken, json: { full_name: evil } })).status).toBe(404)
    expect((await call(t, 'PATCH', '/users/me', { token: student.accessToken, json: { full_name: evil } })).body.full_name).toBe(evil)
    const users = t.station.ctx.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }
    expect(users.n).toBeGreaterThan(3)
  })

  it('bounds passwords and bodies, and counts every character of a long password', async () => {
    expect((await call(t, 'POST', '/auth/register', { json: { email: 'short@lab.test', password: 'short' } })).status).toBe(422)
    expect((await call(t, 'POST', '/auth/register', { json: { email: 'long@lab.test', password: 'p'.repeat(129) } })).status).toBe(422)
    const big = await call(t, 'POST', '/auth/register', { raw: JSON.stringify({ email: 'big@lab.test', password: TEST_PASSWORD, full_name: 'x'.repeat(64 * 1024) }) })
    expect(big.status).toBe(413)
    expect((await call(t, 'POST', '/auth/login', { form: { username: 'big@lab.test', password: 'y'.repeat(100_000) } })).status).toBe(413)
    // Same first 72 bytes, different tail: bcrypt alone would accept either.
    const head = '\u00e9'.repeat(40)
    expect((await call(t, 'POST', '/auth/register', { json: { email: 'tail@lab.test', password: `${head}-one` } })).status).toBe(201)
    expect((await call(t, 'POST', '/auth/login', { form: { username: 'tail@lab.test', password: `${head}-two` } })).status).toBe(401)
    expect((await call(t, 'POST', '/auth/login', { form: { username: 'tail@lab.test', password: `${head}-one` } })).status).toBe(200)
    const stored = t.station.ctx.db.prepare("SELECT password_hash FROM users WHERE email = 'tail@lab.test'").get() as { password_hash: string }
    expect(stored.password_hash).toMatch(/^\$2b\$04\$/)
  })

  it('answers malformed JSON with 422', async () => {
    const res = await call(t, 'POST', '/auth/register', { raw: '{"email": ' })
    expect(res.status).toBe(422)
  })

  it('documents every auth route and the OAuth2 password scheme in OpenAPI', async () => {
    const doc = (await call(t, 'GET', '/openapi.json')).body
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('/api/v1/auth/login')
    expect(Object.keys(doc.paths['/api/v1/auth/login'].post.requestBody.content)).toContain('application/x-www-form-urlencoded')
    for (const path of ['/api/v1/auth/register', '/api/v1/auth/refresh', '/api/v1/auth/logout']) expect(doc.paths[path].post).toBeDefined()
    expect(doc.paths['/api/v1/users/me'].get.security).toEqual([{ OAuth2PasswordBearer: [] }])
    expect(doc.paths['/api/v1/users/{id}'].patch.security).toEqual([{ OAuth2PasswordBearer: [] }])
  })
})

describe('auth: throttling and closed registration', () => {
  let t: TestStation
  beforeAll(async () => {
    t = await startTestStation({ auth: { allowRegistration: true } })
  })
  afterAll(() => t.close())

  it('locks an account after repeated failures with 429 and Retry-After, even for the right password', async () => {
    const user = await registerAndLogin(t)
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await call(t, 'POST', '/auth/login', { form: { username: user.user.email, password: `wrong-${i}` } })).status)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses[5]).toBe(429)
    const locked = await call(t, 'POST', '/auth/login', { form: { username: user.user.email.toUpperCase(), password: TEST_PASSWORD } })
    expect(locked.status).toBe(429)
    expect(locked.body.code).toBe('RATE_LIMITED')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // Unknown accounts are throttled the same way, so throttling reveals nothing either.
    for (let i = 0; i < 5; i++) await call(t, 'POST', '/auth/login', { form: { username: 'ghost@lab.test', password: 'x' } })
    expect((await call(t, 'POST', '/auth/login', { form: { username: 'ghost@lab.test', password: 'x' } })).status).toBe(429)
  })

  it('limits failures per client address across accounts', async () => {
    const user = await registerAndLogin(t)
    let last = 0
    for (let i = 0; i < 50 && last !== 429; i++) {
      last = (await call(t, 'POST', '/auth/login', { form: { username: `spray-${i}@lab.test`, password: 'Winter2026!' } })).status
    }
    expect(last).toBe(429)
    const res = await call(t, 'POST', '/auth/login', { form: { username: user.user.email, password: TEST_PASSWORD } })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBeTruthy()
  })
})

describe('auth: registration switched off', () => {
  it('refuses self-registration with 403', async () => {
    const t = await startTestStation({ auth: { allowRegistration: false } })
    try {
      const res = await call(t, 'POST', '/auth/register', { json: { email: 'a@lab.test', password: TEST_PASSWORD } })
      expect(res.status).toBe(403)
      expect(res.body.code).toBe('AUTH_REGISTRATION_CLOSED')
    } finally {
      await t.close()
    }
  })
})
