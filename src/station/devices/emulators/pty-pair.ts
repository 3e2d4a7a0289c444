/**
 * A virtual serial cable: `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`. An emulator writes
 * into end A, the driver opens end B with the real serialport bindings. `unplug()` kills socat (both
 * links vanish and open ends hang up); `replug()` recreates the pair at the same link paths.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PtyPair {
  /** The emulator's end. */
  readonly devicePath: string
  /** The end a driver opens, like /dev/ttyUSB0. */
  readonly hostPath: string
  readonly isPlugged: boolean
  unplug(): Promise<void>
  replug(): Promise<void>
  close(): Promise<void>
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export async function openPtyPair(dir = mkdtempSync(join(tmpdir(), 'vigil-pty-'))): Promise<PtyPair> {
  const devicePath = join(dir, 'device')
  const hostPath = join(dir, 'host')
  let child: ChildProcess | null = null

  async function start(): Promise<void> {
    const proc = spawn('socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], { stdio: 'ignore' })
    child = proc
    let failed: Error | null = null
    proc.once('error', (err) => {
      failed = err
    })
    await waitFor(() => failed !== null || (existsSync(devicePath) && existsSync(hostPath)), 5000, 'socat pty links')
    if (failed) throw failed
  }

  async function stop(): Promise<void> {
    const proc = child
    child = null
    if (!proc || proc.exitCode !== null) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill('SIGTERM')
    await exited
    // socat removes its links on exit; make sure they are gone before a replug reuses the names.
    await waitFor(() => !existsSync(devicePath) && !existsSync(hostPath), 2000, 'socat links to vanish').catch(() => {
      rmSync(devicePath, { force: true })
      rmSync(hostPath, { force: true })
    })
  }

  await start()
  return {
    devicePath,
    hostPath,
    get isPlugged() {
      return child !== null
    },
    unplug: stop,
    replug: start,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
