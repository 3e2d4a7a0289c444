/**
 * The data directory as another local user, or a stolen laptop, would meet it (issue 23 item 7):
 * nothing readable by others, nothing others can write is trusted, no symlink is followed for secrets.
 */
import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/station/config'
import { createLogger } from '../../src/station/logger'
import { JWT_SECRET_FILE } from '../../src/station/secrets'
import { createStation } from '../../src/station/station'
import { LOCAL_DB_FILE } from '../../src/station/storage/database'
import { makeTempDir } from '../helpers/station'

const mode = (path: string) => statSync(path).mode & 0o777

async function startOn(dataDir: string, extra: Record<string, unknown> = {}) {
  const config = loadConfig({ env: {}, base: { dataDir, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'none' }, log: { level: 'silent' }, auth: { bcryptCost: 4 }, ...extra } })
  const station = createStation(config, { logger: createLogger('silent') })
  await station.start()
  return station
}

describe('data directory', () => {
  it('is created 0700 with the database, its WAL files and the keys 0600', async () => {
    const dataDir = join(makeTempDir(), 'vigil')
    const station = await startOn(dataDir, { server: { port: 0, host: '127.0.0.1', tls: 'on' } })
    try {
      // A write, so the WAL exists.
      station.ctx.db.exec("INSERT INTO station_meta (key, value) VALUES ('probe', 'x') ON CONFLICT DO NOTHING")
      expect(mode(dataDir)).toBe(0o700)
      for (const file of [LOCAL_DB_FILE, `${LOCAL_DB_FILE}-wal`, `${LOCAL_DB_FILE}-shm`, JWT_SECRET_FILE, 'tls-key.pem']) {
        expect(existsSync(join(dataDir, file)), file).toBe(true)
        expect(mode(join(dataDir, file)), file).toBe(0o600)
      }
    } finally {
      await station.stop()
    }
  })

  it('tightens a database an older station left readable by others', async () => {
    const dataDir = makeTempDir()
    const first = await startOn(dataDir)
    await first.stop()
    chmodSync(join(dataDir, LOCAL_DB_FILE), 0o644)
    chmodSync(dataDir, 0o755)
    const again = await startOn(dataDir)
    await again.stop()
    expect(mode(join(dataDir, LOCAL_DB_FILE))).toBe(0o600)
    expect(mode(dataDir)).toBe(0o700)
  })

  it('refuses a data directory others can write, and says how to fix it', async () => {
    const dataDir = makeTempDir()
    chmodSync(dataDir, 0o777)
    await expect(startOn(dataDir)).rejects.toThrow(/writable by other users \(mode 777\).*chmod 700/)
    expect(existsSync(join(dataDir, LOCAL_DB_FILE))).toBe(false)
  })

  it('never follows a symlinked key, and leaves its target alone', async () => {
    const dataDir = makeTempDir()
    const elsewhere = join(makeTempDir(), 'victim.txt')
    writeFileSync(elsewhere, 'not a key', { mode: 0o644 })
    symlinkSync(elsewhere, join(dataDir, JWT_SECRET_FILE))
    await expect(startOn(dataDir)).rejects.toThrow(/symbolic link/)
    expect(mode(elsewhere)).toBe(0o644)
  })

  it('refuses a key others can write, and a key that is not random', async () => {
    const writable = makeTempDir()
    writeFileSync(join(writable, JWT_SECRET_FILE), Buffer.alloc(32, 7).toString('base64'), { mode: 0o666 })
    chmodSync(join(writable, JWT_SECRET_FILE), 0o666)
    await expect(startOn(writable)).rejects.toThrow(/writable by other users/)
    const patterned = makeTempDir()
    writeFileSync(join(patterned, JWT_SECRET_FILE), Buffer.from('password'.repeat(4)).toString('base64'), { mode: 0o600 })
    await expect(startOn(patterned)).rejects.toThrow(/does not look random/)
  })

  it('reports a config file others can write as a configuration problem', () => {
    const dataDir = makeTempDir()
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(join(dataDir, 'vigil.config.json'), '{"server": {"corsOrigins": ["https://evil.example"]}}')
    chmodSync(join(dataDir, 'vigil.config.json'), 0o666)
    expect(() => loadConfig({ env: {}, argv: { 'data-dir': dataDir } })).toThrow(/vigil\.config\.json: writable by other users/)
  })
})
