/**
 * Users for integration tests, over real HTTP (a base URL) or `inject` (a test station). The first
 * account of a station becomes its admin; the helper remembers that admin per station (per base URL)
 * and uses it to give later accounts the role a test asks for.
 */
import { baseUrlOf, fetchOf, type HttpTarget } from './http'

export type TestRole = 'admin' | 'researcher' | 'student'

export interface TestUser {
  id: string
  email: string
  full_name: string | null
  role: TestRole
  is_active: boolean
  created_at: string
}

export interface LoggedInUser {
  user: TestUser
  accessToken: string
  refreshToken: string
  password: string
}

export const TEST_PASSWORD = 'correct horse battery staple'

const adminsByStation = new Map<string, LoggedInUser>()
let counter = 0

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text()
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

export function authHeader(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

export async function login(target: HttpTarget, email: string, password = TEST_PASSWORD): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await fetchOf(target)(`${baseUrlOf(target)}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: email, password }).toString()
  })
  const body = await json<{ access_token: string; refresh_token: string }>(res, `login ${email}`)
  return { accessToken: body.access_token, refreshToken: body.refresh_token }
}

async function register(target: HttpTarget, email: string, fullName: string | null): Promise<TestUser> {
  const res = await fetchOf(target)(`${baseUrlOf(target)}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: TEST_PASSWORD, full_name: fullName })
  })
  return json<TestUser>(res, `register ${email}`)
}

/**
 * Registers a fresh user with `role` (default student) and logs it in. On a fresh station the first
 * account becomes the admin (and is remembered); later accounts get their role from that admin.
 * Every call creates a new account, so a station reusing a closed one's port cannot confuse it.
 */
export async function registerAndLogin(target: HttpTarget, options: { role?: TestRole; email?: string; fullName?: string } = {}): Promise<LoggedInUser> {
  const role = options.role ?? 'student'
  const email = options.email ?? `${role}-${process.pid}-${++counter}@lab.test`
  const baseUrl = baseUrlOf(target)
  let user = await register(target, email, options.fullName ?? null)
  const fresh: LoggedInUser = { user, ...(await login(target, email)), password: TEST_PASSWORD }
  if (user.role === 'admin') {
    adminsByStation.set(baseUrl, fresh)
    // A fresh station made this first account admin: make another one for the role asked for.
    return role === 'admin' ? fresh : registerAndLogin(target, { ...options, email: options.email ? `x-${options.email}` : undefined })
  }
  if (user.role === role) return fresh
  const admin = adminsByStation.get(baseUrl)
  if (!admin) throw new Error(`registerAndLogin: ${baseUrl} already had users, so the helper has no admin to assign roles`)
  const res = await fetchOf(target)(`${baseUrl}/api/v1/users/${user.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...authHeader(admin.accessToken) },
    body: JSON.stringify({ role })
  })
  user = await json<TestUser>(res, `set role of ${email}`)
  return { ...fresh, user }
}

/** The admin the helper created on this station, if any. */
export function stationAdmin(baseUrl: string): LoggedInUser | undefined {
  return adminsByStation.get(baseUrl)
}

/** Forget a station's admin (call when the station closes, so a new station on the same port starts fresh). */
export function forgetStation(baseUrl: string): void {
  adminsByStation.delete(baseUrl)
}
