/** `migrate-central` and `sync` as a user runs them: real processes, real databases. */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findMigrationsDir } from '../../../src/station/storage/migration-files'
import { createTestCentral, createTestLocal, seedLocal } from '../../helpers/sync'
import { recordParticipantConsent } from '../../helpers/participants'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

const CLI = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'index.ts')

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, VIGIL_LOG_LEVEL: 'silent' }
    delete env.VIGIL_CENTRAL_URL
    delete env.VIGIL_DATA_DIR
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('sync CLI', { timeout: 120_000 }, () => {
  it('migrate-central creates the schema once; sync pushes the backlog with a progress bar, exits when done and verifies', async () => {
    const central = await createTestCentral(false)
    cleanups.push(() => central.drop())
    const local = createTestLocal()
    cleanups.push(() => local.close())
    seedLocal(local.db, local.stationId, { sessions: 2, samplesPerSession: 4000 })
    // The CLI gates on consent like the station (consent.required defaults to true).
    recordParticipantConsent(local.db, 'P-001', ['local_recording', 'central_sync'])
    local.db.close()

    const migrated = await cli(['migrate-central', '--central-url', central.url])
    expect(migrated.stderr).toContain('timescaledb')
    const known = readdirSync(findMigrationsDir('central')).filter((f) => f.endsWith('.sql')).map((f) => Number(f.slice(0, 3)))
    expect(migrated.stdout).toContain(`applied migration(s) ${known.join(', ')}; schema version ${Math.max(...known)}`)
    expect(migrated.code).toBe(0)

    const synced = await cli(['sync', '--central-url', central.url, '--data-dir', local.dir, '--verify'])
    expect(synced.stderr).toMatch(/syncing \[#+\] 100%/)
    expect(synced.stdout).toMatch(/All synced to postgres:\/\/.*: 8\d{3} row\(s\)/)
    expect(synced.stdout).toContain('Verified: both sides hold the same rows.')
    expect(synced.code).toBe(0)
    expect((await central.query('SELECT count(*)::int AS n FROM eeg_data')).rows[0].n).toBe(8000)
  })

  it('sync without a central URL explains what is missing', async () => {
    const result = await cli(['sync', '--data-dir', '/nonexistent-vigil'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/SYNC_NOT_CONFIGURED.*--central-url/)
  })
})
