import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCytonEmulator } from '../../../src/station/devices/emulators/headset-emulators'
import { openPtyPair, type PtyPair } from '../../../src/station/devices/emulators/pty-pair'
import type { SerialEmulator } from '../../../src/station/devices/emulators/serial-emulator'
import type { DeviceStatusResponse } from '../../../src/shared/schemas/devices'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'

describe('/api/v1/devices', () => {
  let ts: TestStation
  let pair: PtyPair
  let emulator: SerialEmulator
  let researcher: Record<string, string>
  let student: Record<string, string>

  const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    fetch(`${ts.baseUrl}/api/v1${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } })

  beforeAll(async () => {
    ts = await startTestStation()
    pair = await openPtyPair()
    emulator = createCytonEmulator({ pair })
    await emulator.start()
    researcher = authHeader((await registerAndLogin(ts.baseUrl, { role: 'researcher' })).accessToken)
    student = authHeader((await registerAndLogin(ts.baseUrl, { role: 'student' })).accessToken)
  })

  afterAll(async () => {
    forgetStation(ts.baseUrl)
    await ts.close()
    await emulator.stop()
    await pair.close()
  })

  it('starts a station with --device cyton:PATH and streams into it', async () => {
    const withCyton = await startTestStation({ device: { kind: 'cyton', path: pair.hostPath } })
    try {
      const health = (await (await fetch(`${withCyton.baseUrl}/api/v1/health`)).json()) as { device: { kind: string; state: string } }
      expect(health.device).toMatchObject({ kind: 'cyton', state: 'streaming' })
      const deadline = Date.now() + 5000
      while (withCyton.station.ctx.devices.status().stats.samplesReceived < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(withCyton.station.ctx.devices.status().stats.samplesReceived).toBeGreaterThanOrEqual(100)
    } finally {
      await withCyton.close()
    }
  })

  it('requires a researcher or admin', async () => {
    expect((await api('/devices/status')).status).toBe(401)
    const res = await api('/devices/ports', { headers: student })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { detail: unknown }).detail).toBeTruthy()
  })

  it('lists serial ports with USB ids and a headset guess', async () => {
    const res = await api('/devices/ports', { headers: researcher })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { data: unknown[]; count: number }
    expect(body.count).toBe(body.data.length)
  })

  it('connects a Cyton on a pty, reports stats and quality, and disconnects', async () => {
    const res = await api('/devices/connect', { method: 'POST', headers: researcher, body: JSON.stringify({ kind: 'cyton', path: pair.hostPath }) })
    expect(res.status).toBe(200)
    const connected = (await res.json()) as DeviceStatusResponse
    expect(connected.state).toBe('streaming')
    expect(connected.descriptor).toMatchObject({ kind: 'cyton', sample_rate_hz: 250, gain: 24, unit: 'uV', port: pair.hostPath, baud_rate: 115200 })
    expect(connected.descriptor!.channel_names).toHaveLength(8)

    let status: DeviceStatusResponse = connected
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && (status.stats.samples_received < 300 || status.quality.some((q) => q === 'unknown'))) {
      await new Promise((r) => setTimeout(r, 200))
      status = (await (await api('/devices/status', { headers: researcher })).json()) as DeviceStatusResponse
    }
    expect(status.stats.samples_received).toBeGreaterThanOrEqual(300)
    expect(status.quality).toHaveLength(8)
    expect(status.quality.every((q) => q !== 'unknown')).toBe(true)

    for (let k = 0; k < 2; k++) {
      const off = await api('/devices/disconnect', { method: 'POST', headers: researcher })
      expect(off.status).toBe(200)
      expect(((await off.json()) as DeviceStatusResponse).state).toBe('disconnected')
    }
  })

  it('answers 404 for a missing port and 422 for an unknown kind', async () => {
    const missing = await api('/devices/connect', { method: 'POST', headers: researcher, body: JSON.stringify({ kind: 'thinkgear', path: '/dev/does-not-exist' }) })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { code: string }).code).toBe('DEVICE_PORT_NOT_FOUND')
    const bad = await api('/devices/connect', { method: 'POST', headers: researcher, body: JSON.stringify({ kind: 'muse' }) })
    expect(bad.status).toBe(422)
    const status = (await (await api('/devices/status', { headers: researcher })).json()) as DeviceStatusResponse
    expect(status.state).toBe('disconnected')
    expect(status.descriptor).toBeNull()
    expect(status.detail).toMatch(/not found/)
  })
})
