/**
 * The headless shell as a user runs it: real processes through tsx, as `npm run station` does.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeTempDir } from '../helpers/station'

const root = resolve(import.meta.dirname, '..', '..')
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')

function run(script: string, args: string[]) {
  return spawnSync(process.execPath, [tsx, join(root, script), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, VIGIL_PORT: '' }, timeout: 60_000 })
}

describe('npm run station', () => {
  it('--help explains every option with its environment variable', () => {
    const result = run('src/cli/index.ts', ['--help'])
    expect(result.status).toBe(0)
    for (const flag of ['--port', '--host', '--data-dir', '--device', '--central-url']) expect(result.stdout).toContain(flag)
    expect(result.stdout).toContain('VIGIL_CENTRAL_URL')
    expect(result.stdout).toMatch(/Commands:[\s\S]*serve/)
  })

  it('reports every configuration problem at once, without a stack trace', () => {
    const result = run('src/cli/index.ts', ['--port', 'eighty', '--device', 'cyton', '--bogus', 'x', '--data-dir', makeTempDir()])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('Error (CONFIG_INVALID)')
    expect(result.stderr).toContain('--port: expected a whole number')
    expect(result.stderr).toContain('needs a serial port path')
    expect(result.stderr).toContain('--bogus: unknown option')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('names an unknown command and shows the command list', () => {
    const result = run('src/cli/index.ts', ['frobnicate'])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('Unknown command "frobnicate"')
  })

  it('prints its URL, serves health, and stops cleanly on SIGTERM', async () => {
    const dataDir = makeTempDir()
    const child = spawn(process.execPath, [tsx, join(root, 'src/cli/index.ts'), '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { cwd: root })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(out)), 90_000)
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolveUrl(match[1])
        }
      })
    })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const health = (await (await fetch(`${url}/api/v1/health`)).json()) as { status: string; device: { kind: string } }
    expect(health).toMatchObject({ status: 'ok', device: { kind: 'simulated' } })
    const exited = new Promise<number | null>((r) => child.once('exit', r))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out).toContain('Station stopped.')
    expect(existsSync(join(dataDir, 'vigil.sqlite'))).toBe(true)
  })
})

describe('npm start', () => {
  const hasElectronBinary = existsSync(join(root, 'node_modules', 'electron', 'path.txt'))
  it.skipIf(hasElectronBinary)('says plainly that Electron cannot start here and names the headless command', () => {
    const result = run('src/cli/electron-launch.ts', [])
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("Electron's binary is not installed")
    expect(result.stderr).toContain('npm run station')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
