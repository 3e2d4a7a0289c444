/** SQL for `users` and `refresh_tokens`; the only place their snake_case columns are mapped. */
import type { LocalDatabase } from '../storage/database'
import type { AuthUser, Role } from './types'

export interface UserRecord extends AuthUser {
  passwordHash: string
  isActive: boolean
  /** Epoch ms: access tokens issued before this instant are refused. */
  tokensValidAfterMs: number
  createdAt: string
  updatedAt: string
}

interface UserRow {
  id: string
  email: string
  full_name: string | null
  role: Role
  password_hash: string
  is_active: number
  tokens_valid_after: number
  created_at: string
  updated_at: string
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    role: row.role,
    passwordHash: row.password_hash,
    isActive: row.is_active === 1,
    tokensValidAfterMs: row.tokens_valid_after,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

/** Emails are compared trimmed and case-folded (NFC first, so composed and decomposed forms match). */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase()
}

export function findUserById(db: LocalDatabase, id: string): UserRecord | null {
  const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined
  return row ? toUser(row) : null
}

export function findUserByEmail(db: LocalDatabase, email: string): UserRecord | null {
  const row = db.prepare('SELECT * FROM users WHERE email = ?').get(normalizeEmail(email)) as UserRow | undefined
  return row ? toUser(row) : null
}

export function countUsers(db: LocalDatabase): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n
}

export function countActiveAdmins(db: LocalDatabase): number {
  return (db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND is_active = 1").get() as { n: number }).n
}

export interface NewUser {
  id: string
  email: string
  fullName: string | null
  role: Role
  passwordHash: string
  nowIso: string
}

export function insertUser(db: LocalDatabase, user: NewUser): UserRecord {
  db.prepare(
    'INSERT INTO users (id, email, full_name, role, password_hash, is_active, tokens_valid_after, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?)'
  ).run(user.id, normalizeEmail(user.email), user.fullName, user.role, user.passwordHash, user.nowIso, user.nowIso)
  return findUserById(db, user.id)!
}

export interface UserPatch {
  fullName?: string | null
  role?: Role
  isActive?: boolean
  passwordHash?: string
  tokensValidAfterMs?: number
}

export function updateUser(db: LocalDatabase, id: string, patch: UserPatch, nowIso: string): UserRecord | null {
  const sets: string[] = []
  const values: unknown[] = []
  const columns: [keyof UserPatch, string, (v: never) => unknown][] = [
    ['fullName', 'full_name', (v) => v],
    ['role', 'role', (v) => v],
    ['isActive', 'is_active', (v: boolean) => (v ? 1 : 0)],
    ['passwordHash', 'password_hash', (v) => v],
    ['tokensValidAfterMs', 'tokens_valid_after', (v) => v]
  ]
  for (const [key, column, encode] of columns) {
    if (patch[key] === undefined) continue
    sets.push(`${column} = ?`)
    values.push(encode(patch[key] as never))
  }
  sets.push('updated_at = ?')
  values.push(nowIso, id)
  db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values)
  return findUserById(db, id)
}

export function listUsers(db: LocalDatabase, skip: number, limit: number): { data: UserRecord[]; count: number } {
  const rows = db.prepare('SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?').all(limit, skip) as UserRow[]
  return { data: rows.map(toUser), count: countUsers(db) }
}
