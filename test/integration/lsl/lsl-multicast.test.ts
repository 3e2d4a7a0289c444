/**
 * Discovery over multicast and broadcast, as liblsl does by default. Loopback has no multicast
 * route on a normal host, and real interfaces are off limits to tests, so this runs in a private
 * user + network namespace (`unshare -rn`) whose loopback gets multicast and broadcast routes.
 * Where unprivileged namespaces are disabled the test is skipped, saying so.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../..')
const canUnshare = spawnSync('unshare', ['-rn', 'true']).status === 0

describe('LSL discovery on multicast and broadcast', () => {
  it.skipIf(!canUnshare)('an outlet answers queries sent to every default discovery address', () => {
    const script = [
      'set -e',
      'ip link set lo up',
      'ip link set lo multicast on',
      'ip route add 224.0.0.0/4 dev lo',
      'ip route add 255.255.255.255/32 dev lo',
      `exec "${process.execPath}" --import tsx test/helpers/lsl-netns-discovery.ts`
    ].join('\n')
    const run = spawnSync('unshare', ['-rn', 'bash', '-c', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    const found = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, string[]>
    expect(found).toEqual({
      '127.0.0.1': ['NetnsAmp'],
      '255.255.255.255': ['NetnsAmp'],
      '224.0.0.1': ['NetnsAmp'],
      '224.0.0.183': ['NetnsAmp'],
      '239.255.172.215': ['NetnsAmp']
    })
  })
})
