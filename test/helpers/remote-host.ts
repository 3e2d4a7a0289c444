/**
 * A second host on the lab network, for tests of what a remote researcher's browser sees: a network
 * namespace joined to this machine by a veth pair, with a private /30 of its own. Browsers treat
 * 127.0.0.1 as trustworthy and never upgrade or block it, so only a real second address shows what
 * the LAN sees. Needs root and iproute2 (`ip`); `remoteHostUnavailable()` says why not otherwise.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RemoteHost {
  /** This machine's address as the remote host sees it. */
  stationAddress: string
  /** The remote host's own address. */
  remoteAddress: string
  /** Runs `command` inside the remote host (`ip netns exec`). */
  exec(command: string, args: string[]): string
  /** An executable that starts Chromium inside the remote host: pass it to Playwright as `executablePath`. */
  chromiumPath: string
  close(): void
}

/** Why a remote host cannot be made here, or null when it can. */
export function remoteHostUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace (CI runs as root)'
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    return 'needs iproute2 (`ip`)'
  }
  return null
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString()

export function createRemoteHost(chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'): RemoteHost {
  // Names and a /30 from the process id, so parallel runs on one machine do not collide.
  const id = process.pid % 16_000
  const name = `vigil-remote-${id}`
  const hostIf = `vgh${id}`
  const remoteIf = `vgr${id}`
  const subnet = `10.${200 + Math.floor(id / 4000)}.${Math.floor((id % 4000) / 64)}.${(id % 64) * 4}`
  const base = subnet.split('.').map(Number)
  const stationAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 1}`
  const remoteAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 2}`
  let dir: string | null = null
  const cleanup = () => {
    try {
      ip('link', 'del', hostIf)
    } catch {
      /* already gone with the namespace */
    }
    try {
      ip('netns', 'del', name)
    } catch {
      /* never made */
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
  // A namespace left behind by a killed run of the same pid would make `ip netns add` fail.
  cleanup()
  try {
    ip('netns', 'add', name)
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', remoteIf)
    ip('link', 'set', remoteIf, 'netns', name)
    ip('addr', 'add', `${stationAddress}/30`, 'dev', hostIf)
    ip('link', 'set', hostIf, 'up')
    ip('-n', name, 'addr', 'add', `${remoteAddress}/30`, 'dev', remoteIf)
    ip('-n', name, 'link', 'set', remoteIf, 'up')
    ip('-n', name, 'link', 'set', 'lo', 'up')
  } catch (err) {
    cleanup()
    throw err
  }
  dir = mkdtempSync(join(tmpdir(), 'vigil-remote-'))
  const chromiumPath = join(dir, 'chromium-in-remote-host')
  writeFileSync(chromiumPath, `#!/bin/sh\nexec ip netns exec ${name} ${chromium} "$@"\n`)
  chmodSync(chromiumPath, 0o755)
  return {
    stationAddress,
    remoteAddress,
    chromiumPath,
    exec: (command, args) => execFileSync('ip', ['netns', 'exec', name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString(),
    close: cleanup
  }
}
