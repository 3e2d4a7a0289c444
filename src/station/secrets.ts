/**
 * Secrets generated on first run and kept in the data dir, never in the repository.
 * The JWT signing key is 256 random bits (RFC 7518 §3.2: an HS256 key must be at least the hash size).
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const JWT_SECRET_FILE = 'jwt-secret.key'

/** Reads the signing key, creating it (mode 0600) on first run. */
export function loadOrCreateJwtSecret(dataDir: string): Uint8Array {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, JWT_SECRET_FILE)
  if (!existsSync(file)) {
    // 'wx' fails if another process created it meanwhile; then we read theirs below.
    try {
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  // Tighten permissions if someone loosened them (e.g. a copy with a permissive umask).
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length < 32) throw new Error(`${file} holds fewer than 256 bits; delete it to generate a new key`)
  return new Uint8Array(key)
}
