/**
 * Runs the real headless station (`tsx src/cli/index.ts`, as `npm run station` does) for browser tests,
 * on a free port with a throwaway data dir, and waits until it prints its URL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * What a `beforeAll` that starts a station (and registers an account at bcrypt cost 12) may take on a
 * loaded 2-core machine: the start itself waits up to 90 s. Playwright's default hook budget is the
 * test timeout (60 s), which a load average of 20 exceeded.
 */
export const STATION_HOOK_TIMEOUT_MS = 180_000

export interface E2eStation {
  url: string
  /** With TLS: base64 SHA-256 of the certificate's public key, as the station printed it (for pinning). */
  spkiSha256: string | null
  dataDir: string
  process: ChildProcess
  stop(): Promise<void>
}

const root = resolve(import.meta.dirname, '..', '..')

/**
 * `extraArgs` come last, so they override the defaults (e.g. `--port 8790` to restart on a known port).
 * With `options.dataDir` the station uses (and stop() keeps) that folder, so a test can restart a
 * station over the same data; without it a throwaway folder is made and removed on stop().
 */
export async function startE2eStation(extraArgs: string[] = [], options: { dataDir?: string } = {}): Promise<E2eStation> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-e2e-'))
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'src', 'cli', 'index.ts'), '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs], {
    cwd: root,
    // No consent gate unless a spec asks for it (`--require-consent true` overrides the environment).
    env: { ...process.env, VIGIL_ALLOW_REGISTRATION: 'true', VIGIL_REQUIRE_CONSENT: 'false' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`station did not start in 90 s:\n${output}`)), 90_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (https?:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`station exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    spkiSha256: /public key pin \(sha256, base64\): (\S+)/.exec(output)?.[1] ?? null,
    dataDir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
