import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCytonEmulator } from '../../../src/station/devices/emulators/headset-emulators'
import { openPtyPair, type PtyPair } from '../../../src/station/devices/emulators/pty-pair'
import type { SerialEmulator } from '../../../src/station/devices/emulators/serial-emulator'
import type { DeviceStatusResponse } from '../../../src/shared/schemas/devices'
import { newId, nowIso } from '../../../src/station/ids'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { waitUntil } from '../../helpers/wait'

describe('/api/v1/devices', () => {
  let ts: TestStation
  let pair: PtyPair
  let emulator: SerialEmulator
  let researcher: Record<string, string>
  let student: Record<string, string>

  const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    ts.fetch(`${ts.baseUrl}/api/v1${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } })

  beforeAll(async () => {
    ts = await startTestStation()
    pair = await openPtyPair()
    emulator = createCytonEmulator({ pair })
    await emulator.start()
    researcher = authHeader((await registerAndLogin(ts, { role: 'researcher' })).accessToken)
    student = authHeader((await registerAndLogin(ts, { role: 'student' })).accessToken)
  })

  afterAll(async () => {
    forgetStation(ts.baseUrl)
    await ts.close()
    await emulator.stop()
    await pair.close()
  })

  it('starts a station with --device cyton:PATH, streams into it and logs device events to device_events', async () => {
    const withCyton = await startTestStation({ device: { kind: 'cyton', path: pair.hostPath } })
    try {
      const { ctx } = withCyton.station
      const health = (await (await withCyton.fetch(`${withCyton.baseUrl}/api/v1/health`)).json()) as { device: { kind: string; state: string } }
      expect(health.device).toMatchObject({ kind: 'cyton', state: 'streaming' })
      await waitUntil(() => ctx.devices.status().stats.samplesReceived >= 300, { what: '300 samples from the emulated Cyton' })
      expect(ctx.devices.status().stats.samplesReceived).toBeGreaterThanOrEqual(300)
      await ctx.devices.disconnect()
      const kinds = (ctx.db.prepare('SELECT kind FROM device_events WHERE session_id IS NULL ORDER BY id').pluck().all() as string[])
      expect(kinds[0]).toBe('connected')
      expect(kinds).toContain('quality')
      expect(kinds[kinds.length - 1]).toBe('disconnected')
    } finally {
      await withCyton.close()
    }
  })

  it('records gaps with their size under the session being recorded', async () => {
    const lossyPair = await openPtyPair()
    const lossy = createCytonEmulator({ pair: lossyPair, dropProbability: 0.05, seed: 5 })
    await lossy.start()
    const withCyton = await startTestStation({ device: { kind: 'cyton', path: lossyPair.hostPath } })
    try {
      const { ctx } = withCyton.station
      const userId = newId()
      const sessionId = newId()
      ctx.db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (?, ?, 'admin', 'x', ?, ?)").run(userId, `${userId}@lab.test`, nowIso(), nowIso())
      ctx.db
        .prepare("INSERT INTO sessions (id, station_id, name, participant_code, status, created_by, created_at, updated_at) VALUES (?, ?, 'g', 'P01', 'recording', ?, ?, ?)")
        .run(sessionId, ctx.stationId, userId, nowIso(), nowIso())
      ctx.recorder.bind(sessionId)
      await waitUntil(() => ctx.devices.status().stats.gaps >= 3, { what: 'three gaps' })
      ctx.recorder.bind(null)
      await ctx.recorder.flush()
      const gaps = ctx.db.prepare("SELECT data_json FROM device_events WHERE session_id = ? AND kind = 'gap'").pluck().all(sessionId) as string[]
      expect(gaps.length).toBeGreaterThanOrEqual(3)
      for (const gap of gaps) expect((JSON.parse(gap) as { size: number }).size).toBeGreaterThan(0)
      // The stored EEG has holes exactly where the gap events say.
      const seqs = ctx.db.prepare('SELECT seq FROM eeg_samples WHERE session_id = ? ORDER BY seq').pluck().all(sessionId) as number[]
      const holes = seqs.slice(1).filter((s, i) => s !== seqs[i] + 1).length
      expect(holes).toBeGreaterThan(0)
    } finally {
      await withCyton.close()
      await lossy.stop()
      await lossyPair.close()
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
    await waitUntil(
      async () => {
        status = (await (await api('/devices/status', { headers: researcher })).json()) as DeviceStatusResponse
        return status.stats.samples_received >= 300 && status.quality.every((q) => q !== 'unknown')
      },
      { intervalMs: 50, what: '300 samples and a quality verdict for every channel' }
    )
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
    // An admin: a researcher is not told why a path cannot be opened (connect-paths.test.ts).
    const admin = authHeader((await registerAndLogin(ts, { role: 'admin' })).accessToken)
    const missing = await api('/devices/connect', { method: 'POST', headers: admin, body: JSON.stringify({ kind: 'thinkgear', path: '/dev/does-not-exist' }) })
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
