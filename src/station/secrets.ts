/**
 * Secrets generated on first run and kept in the data dir, never in the repository.
 * The JWT signing key is 256 bits from the CSPRNG (RFC 7518 §3.2: an HS256 key must be at least the
 * hash size). The file is read through data-dir.ts: no symlinks, not writable by others.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { VigilError } from '../shared/errors'
import { prepareDataDir, readSecretFile } from './data-dir'

export const JWT_SECRET_FILE = 'jwt-secret.key'

/**
 * 32 bytes from a CSPRNG show ~30 distinct values; text a person typed, or a pattern, decodes to far
 * fewer. Below 16 the chance for a random key is under 1e-12, so such a file is refused.
 */
const MIN_DISTINCT_KEY_BYTES = 16

/** Reads the signing key, creating it (mode 0600) on first run. */
export function loadOrCreateJwtSecret(dataDir: string): Uint8Array {
  prepareDataDir(dataDir)
  const file = join(dataDir, JWT_SECRET_FILE)
  let text = readSecretFile(file)
  if (text === null) {
    // 'wx' fails if another process created it meanwhile (or a link was planted); then we read theirs.
    try {
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    text = readSecretFile(file) ?? ''
  }
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length < 32) throw new VigilError('CONFIG_INVALID', `${file} holds fewer than 256 bits; delete it to generate a new key`)
  if (new Set(key).size < MIN_DISTINCT_KEY_BYTES) throw new VigilError('CONFIG_INVALID', `${file} does not look random (a typed or patterned key); delete it to generate a new key`)
  return new Uint8Array(key)
}
