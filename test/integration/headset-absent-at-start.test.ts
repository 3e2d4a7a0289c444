/**
 * A station configured for a serial headset whose port is missing or busy at start-up: it starts
 * anyway, says why in the device status, and keeps trying the port until it opens, the operator
 * connects or disconnects through the API, or the station stops. Real station, real socat ptys,
 * the project's Cyton emulator, real HTTP and WebSocket clients.
 */
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { SerialPort } from 'serialport'
import { afterEach, describe, expect, it } from 'vitest'
import type { DeviceStatusResponse } from '../../src/shared/schemas/devices'
import { loadConfig } from '../../src/station/config'
import { PORT_WAIT_INITIAL_DELAY_MS } from '../../src/station/devices/device-manager'
import { createCytonEmulator } from '../../src/station/devices/emulators/headset-emulators'
import { openPtyPair, type PtyPair } from '../../src/station/devices/emulators/pty-pair'
import type { SerialEmulator } from '../../src/station/devices/emulators/serial-emulator'
import { createLogger } from '../../src/station/logger'
import { createStation, type Station } from '../../src/station/station'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { makeTempDir } from '../helpers/station'
import { waitUntil } from '../helpers/wait'
import { TestClient } from '../helpers/ws-client'

const root = resolve(import.meta.dirname, '..', '..')
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')

interface LogLine {
  level: number
  msg: string
  port?: string
  code?: string
}

interface Rig {
  station: Station
  baseUrl: string
  logs: LogLine[]
  researcher: Record<string, string>
  api(path: string, init?: RequestInit): Promise<Response>
  status(): Promise<DeviceStatusResponse>
}

const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).toReversed()) await cleanup()
})

/** Like test/helpers/station.ts, with a Cyton at `portPath` and the log lines kept for assertions. */
function cytonStation(portPath: string): { station: Station; logs: LogLine[] } {
  const dataDir = makeTempDir()
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const logs: LogLine[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine)
      done()
    }
  })
  const config = loadConfig({
    env: {},
    base: { dataDir, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'cyton', path: portPath }, log: { level: 'info' }, auth: { bcryptCost: 4 } }
  })
  return { station: createStation(config, { logger: createLogger('info', sink) }), logs }
}

async function startRig(portPath: string): Promise<Rig> {
  const { station, logs } = cytonStation(portPath)
  await station.start()
  const baseUrl = station.url
  cleanups.push(async () => {
    forgetStation(baseUrl)
    await station.stop()
  })
  const researcher = authHeader((await registerAndLogin(baseUrl, { role: 'researcher' })).accessToken)
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}/api/v1${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...researcher } })
  const status = async () => (await (await api('/devices/status')).json()) as DeviceStatusResponse
  return { station, baseUrl, logs, researcher, api, status }
}

/** A socat pair whose host end appears at `<dir>/host`, fed by the Cyton emulator. */
async function plugCyton(dir: string): Promise<{ pair: PtyPair; emulator: SerialEmulator }> {
  const pair = await openPtyPair(dir)
  const emulator = createCytonEmulator({ pair })
  await emulator.start()
  cleanups.push(async () => {
    await emulator.stop()
    await pair.close()
  })
  return { pair, emulator }
}

/**
 * Proving that nothing happens needs a window: this one is longer than the retry that was armed
 * (the test cancels after two failed opens, so the next one was due within 2 × the first delay).
 */
async function expectNoOpenDuring(emulator: SerialEmulator, rig: Rig, windowMs: number): Promise<void> {
  const until = Date.now() + windowMs
  while (Date.now() < until) {
    expect(emulator.commands).not.toContain('b')
    await new Promise((r) => setTimeout(r, 100))
  }
  expect(emulator.commands).not.toContain('b')
  expect(rig.station.ctx.devices.isWaitingForPort).toBe(false)
}

const CANCELLED_RETRY_WINDOW_MS = 2 * PORT_WAIT_INITIAL_DELAY_MS + 1500

describe('station whose configured headset port is absent or busy at start-up', () => {
  it('starts, reports the missing port, and streams as soon as the port appears, without any API call', async () => {
    const dir = makeTempDir('vigil-absent-')
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const portPath = join(dir, 'host')
    const rig = await startRig(portPath)

    const health = (await (await fetch(`${rig.baseUrl}/api/v1/health`)).json()) as { status: string; device: { state: string } }
    expect(health).toMatchObject({ status: 'ok', device: { state: 'disconnected' } })
    const waiting = await rig.status()
    expect(waiting.state).toBe('disconnected')
    expect(waiting.descriptor).toBeNull()
    expect(waiting.detail).toContain(portPath)
    expect(waiting.detail).toMatch(/not found/)
    expect(waiting.detail).toMatch(/retrying/)
    const warning = rig.logs.find((l) => l.level === 40 && l.port === portPath)
    expect(warning?.code).toBe('DEVICE_PORT_NOT_FOUND')
    expect(warning?.msg).toContain(portPath)

    const monitor = await TestClient.connect(rig.baseUrl, '/ws/monitor', { token: rig.researcher.authorization.slice('Bearer '.length) })
    cleanups.push(() => monitor.close())
    const first = await monitor.next('device.status')
    expect(first.status).toMatchObject({ state: 'disconnected', descriptor: null })
    expect(first.status.detail).toContain(portPath)

    // Several failed opens later, the live stream has had no message per attempt (the detail did not change).
    await waitUntil(() => rig.station.ctx.devices.portAttempts >= 3, { timeoutMs: 20_000, what: 'three failed opens of the missing port' })
    expect(monitor.of('device.status')).toHaveLength(1)
    expect((await rig.status()).detail).toBe(waiting.detail)

    const { emulator } = await plugCyton(dir)
    const streaming = await monitor.next('device.status', (m) => m.status.state === 'streaming', 30_000)
    expect(streaming.status.descriptor).toMatchObject({ kind: 'cyton', sample_rate_hz: 250 })
    expect(streaming.status.detail).toBeNull()
    let status = await rig.status()
    await waitUntil(
      async () => {
        status = await rig.status()
        return status.stats.samples_received >= 250
      },
      { timeoutMs: 15_000, what: '250 samples from the emulated Cyton' }
    )
    expect(status).toMatchObject({ state: 'streaming', detail: null, descriptor: { kind: 'cyton', port: portPath } })
    expect(emulator.commands).toContain('b')
    expect(rig.station.ctx.devices.isWaitingForPort).toBe(false)
    expect(rig.logs.some((l) => l.msg === 'headset port available; streaming')).toBe(true)
  })

  it('waits for a port another program holds, and connects once it is released', async () => {
    const { pair } = await plugCyton(makeTempDir('vigil-busy-'))
    const holder = new SerialPort({ path: pair.hostPath, baudRate: 115_200, autoOpen: false })
    await new Promise<void>((ok, fail) => holder.open((err) => (err ? fail(err) : ok())))
    cleanups.push(() => new Promise<void>((done) => (holder.isOpen ? holder.close(() => done()) : done())))

    const rig = await startRig(pair.hostPath)
    const busy = await rig.status()
    expect(busy.state).toBe('disconnected')
    expect(busy.detail).toContain(pair.hostPath)
    expect(busy.detail).toMatch(/busy/)
    expect(rig.logs.find((l) => l.level === 40 && l.port === pair.hostPath)?.code).toBe('DEVICE_PORT_BUSY')

    await new Promise<void>((done) => holder.close(() => done()))
    await waitUntil(async () => (await rig.status()).state === 'streaming', { timeoutMs: 30_000, what: 'streaming after the port was released' })
  })

  it('an API connect to another port ends the wait: the configured port appearing later is left alone', async () => {
    const absentDir = makeTempDir('vigil-absent-')
    cleanups.push(() => rmSync(absentDir, { recursive: true, force: true }))
    const rig = await startRig(join(absentDir, 'host'))
    await waitUntil(() => rig.station.ctx.devices.portAttempts >= 2, { timeoutMs: 20_000, what: 'two failed opens' })

    const other = await plugCyton(makeTempDir('vigil-other-'))
    const res = await rig.api('/devices/connect', { method: 'POST', body: JSON.stringify({ kind: 'cyton', path: other.pair.hostPath }) })
    expect(res.status).toBe(200)
    expect(((await res.json()) as DeviceStatusResponse).state).toBe('streaming')
    expect(rig.station.ctx.devices.isWaitingForPort).toBe(false)

    const late = await plugCyton(absentDir)
    await expectNoOpenDuring(late.emulator, rig, CANCELLED_RETRY_WINDOW_MS)
    expect(await rig.status()).toMatchObject({ state: 'streaming', descriptor: { port: other.pair.hostPath } })
  })

  it('an API disconnect ends the wait: the port appearing later is not opened until asked', async () => {
    const dir = makeTempDir('vigil-absent-')
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const rig = await startRig(join(dir, 'host'))
    await waitUntil(() => rig.station.ctx.devices.portAttempts >= 2, { timeoutMs: 20_000, what: 'two failed opens' })

    const res = await rig.api('/devices/disconnect', { method: 'POST' })
    expect(res.status).toBe(200)
    // The wait's detail goes with it: the operator chose to have no headset.
    expect(await res.json()).toMatchObject({ state: 'disconnected', detail: null })
    expect(rig.station.ctx.devices.isWaitingForPort).toBe(false)

    const { pair, emulator } = await plugCyton(dir)
    await expectNoOpenDuring(emulator, rig, CANCELLED_RETRY_WINDOW_MS)
    expect((await rig.status()).state).toBe('disconnected')
    // The port was usable all along: an explicit connect opens it.
    const connect = await rig.api('/devices/connect', { method: 'POST', body: JSON.stringify({ kind: 'cyton', path: pair.hostPath }) })
    expect(((await connect.json()) as DeviceStatusResponse).state).toBe('streaming')
  })

  it('a path that exists but is not a serial port still fails start-up, leaving nothing running', async () => {
    const dir = makeTempDir('vigil-notatty-')
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const notAPort = join(dir, 'notes.txt')
    writeFileSync(notAPort, 'not a tty\n')
    const { station } = cytonStation(notAPort)
    await expect(station.start()).rejects.toMatchObject({ code: 'DEVICE_PROTOCOL_ERROR' })
    expect(station.isRunning).toBe(false)
  })

  it('stop() while waiting ends the retry: a process that only started and stopped the station exits by itself', async () => {
    const dir = makeTempDir('vigil-exit-')
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const script = join(dir, 'start-stop.mts')
    // The retry timer is ref'd on purpose, so one left behind by stop() would keep this process alive.
    writeFileSync(
      script,
      `import { loadConfig } from ${JSON.stringify(join(root, 'src/station/config.ts'))}
import { createLogger } from ${JSON.stringify(join(root, 'src/station/logger.ts'))}
import { createStation } from ${JSON.stringify(join(root, 'src/station/station.ts'))}
const config = loadConfig({ env: {}, base: { dataDir: ${JSON.stringify(join(dir, 'data'))}, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'cyton', path: ${JSON.stringify(join(dir, 'host'))} }, log: { level: 'silent' }, auth: { bcryptCost: 4 } } })
const station = createStation(config, { logger: createLogger('silent') })
await station.start()
while (station.ctx.devices.portAttempts < 2) await new Promise((r) => setTimeout(r, 50))
await station.stop()
console.log(JSON.stringify({ isWaitingForPort: station.ctx.devices.isWaitingForPort, resources: process.getActiveResourcesInfo() }))
`
    )
    const child = spawn(process.execPath, [tsx, script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    const code = await new Promise<number | null>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        done(null)
      }, 60_000)
      child.once('exit', (exitCode) => {
        clearTimeout(timer)
        done(exitCode)
      })
    })
    expect(code, `the process did not exit by itself:\n${out}`).toBe(0)
    const report = JSON.parse(out.trim().split('\n').pop()!) as { isWaitingForPort: boolean; resources: string[] }
    expect(report.isWaitingForPort).toBe(false)
    expect(report.resources).not.toContain('Timeout')
  }, 90_000)
})
