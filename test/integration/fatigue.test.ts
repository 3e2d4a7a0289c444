import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { analyzeCommand } from '../../src/cli/commands/analyze.command'
import type { Alert, FatigueMetrics } from '../../src/shared/schemas/fatigue'
import { createSimulatedEeg } from '../../src/station/devices/simulated/simulated-eeg'
import type { TimedEvent } from '../../src/station/events'
import { compareWithStored, replaySession } from '../../src/station/fatigue/replay'
import { authHeader, forgetStation, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { createManualClock } from '../helpers/clock'
import { startTestStation, type TestStation } from '../helpers/station'
import { TestClient } from '../helpers/ws-client'

const FS = 250
const CHANNELS = 8
const SECONDS = 100
// Data time, not wall time: the engine takes time only from the data.
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0)

/** A REST call through `inject` (no sockets: an idle keep-alive connection cannot be reset under a slow test). */
async function api<T>(t: TestStation, user: LoggedInUser | null, method: 'GET' | 'POST' | 'PATCH', path: string, body?: object): Promise<{ status: number; body: T }> {
  const res = await t.station.server.inject({ method, url: `/api/v1${path}`, headers: user ? authHeader(user.accessToken) : {}, ...(body ? { payload: body } : {}) })
  return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : undefined) as T }
}

/** 100 s of a drive, fed through the recorder as the hub and headset do: EEG blocks, face frames, game events. */
function feedDrive(t: TestStation, sessionId: string): void {
  const { recorder } = t.station.ctx
  const sim = createSimulatedEeg({ channelCount: CHANNELS, sampleRateHz: FS, seed: 9, fatigueRampMinutes: 1, lineNoiseHz: 50, blinkRatePerMin: 15 })
  const blockSize = 25 // 100 ms
  for (let first = 0; first < SECONDS * FS; first += blockSize) {
    const timestampsMs = Float64Array.from({ length: blockSize }, (_, i) => T0 + ((first + i) * 1000) / FS)
    recorder.writeEeg(sessionId, { firstSeq: first, channelCount: CHANNELS, timestampsMs, samplesUv: sim.next(blockSize) })
    const blockStart = (first * 1000) / FS
    const face: TimedEvent[] = []
    const game: TimedEvent[] = []
    // 10 fps face frames; eyes closed 2 s at 75 s (a microsleep).
    const ms = blockStart
    const closed = ms >= 75_000 && ms < 77_000
    face.push({ tMs: T0 + ms + 5, kind: 'frame', data: { facePresent: true, eyeOpennessLeft: 1, eyeOpennessRight: 1, earLeft: closed ? 0.03 : 0.3, earRight: closed ? 0.03 : 0.3, mar: 0.1, pitchDeg: 3 } })
    // 10 Hz driving state, a weave of ±0.25 m.
    game.push({
      tMs: T0 + ms + 7,
      kind: 'state',
      data: { kind: 'state', tMs: ms, laneOffsetM: 0.25 * Math.sin((2 * Math.PI * ms) / 10_000), laneWidthM: 3.5, steeringWheelDeg: 8 * Math.sin((2 * Math.PI * ms) / 5_000), isStraight: true, speedMps: 25 }
    })
    if (ms === 40_000) game.push({ tMs: T0 + ms + 20, kind: 'lane_departure', data: { kind: 'lane_departure', side: 'right', laneOffsetM: 1.9 } })
    if (ms === 50_000) game.push({ tMs: T0 + ms + 30, kind: 'response', data: { kind: 'response', stimulusId: 1, via: 'button', simReactionTimeMs: 650, isLapse: true } })
    if (ms === 60_000) game.push({ tMs: T0 + ms + 40, kind: 'kss_answer', data: { kind: 'kss_answer', promptId: 1, value: 7, latencyMs: 2100 } })
    recorder.writeFace(sessionId, face)
    recorder.writeGame(sessionId, game)
  }
}

describe('fatigue engine in the station', () => {
  let t: TestStation
  let admin: LoggedInUser
  let sessionId: string
  const updates: { sessionId: string; metrics: FatigueMetrics }[] = []
  const raised: Alert[] = []
  const acks: Alert[] = []

  beforeAll(async () => {
    t = await startTestStation()
    admin = await registerAndLogin(t, { role: 'admin' })
    const created = await api<{ id: string }>(t, admin, 'POST', '/sessions', {
      name: 'fatigue drive',
      participant_code: 'P01',
      device: { kind: 'simulated', channel_names: ['Fp1', 'Fp2', 'C3', 'C4', 'P7', 'P8', 'O1', 'O2'], sample_rate_hz: FS }
    })
    expect(created.status).toBe(201)
    sessionId = created.body.id
    expect((await api(t, admin, 'PATCH', `/sessions/${sessionId}`, { status: 'recording' })).status).toBe(200)
    const { events } = t.station.ctx
    events.on('fatigue.update', (id, metrics) => updates.push({ sessionId: id, metrics }))
    events.on('alert.raised', (a) => raised.push(a))
    events.on('alert.acknowledged', (a) => acks.push(a))
    feedDrive(t, sessionId)
    expect((await api(t, admin, 'PATCH', `/sessions/${sessionId}`, { status: 'completed' })).status).toBe(200)
  })

  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  it('stores about one update per second and broadcasts each as fatigue.update', () => {
    const rows = t.station.ctx.db.prepare('SELECT t_ms, score, level FROM fatigue_metrics WHERE session_id = ? ORDER BY t_ms').all(sessionId) as { t_ms: number }[]
    expect(rows.length).toBeGreaterThanOrEqual(SECONDS)
    expect(rows.length).toBeLessThanOrEqual(SECONDS + 2)
    expect(rows.every((r, i) => i === 0 || r.t_ms - rows[i - 1].t_ms === 1000)).toBe(true)
    expect(updates.length).toBe(rows.length)
    const last = updates[updates.length - 1]
    expect(last.sessionId).toBe(sessionId)
    expect(last.metrics.eeg!.channels.filter((c) => c.absoluteUv2 && c.relative).map((c) => c.name)).toEqual(['Fp1', 'Fp2', 'C3', 'C4', 'P7', 'P8', 'O1', 'O2'])
    expect(last.metrics.eeg!.ratios!.thetaAlphaOverBeta).toBeGreaterThan(0)
    expect(last.metrics.driving!.sdlpM).toBeCloseTo(0.25 / Math.SQRT2, 2)
    expect(last.metrics.score).not.toBeNull()
  })

  it('raises, stores and broadcasts the event alerts: lane departure, slow reaction, KSS 7, microsleep', () => {
    const rows = t.station.ctx.db.prepare('SELECT uid, type, severity, t_ms FROM alerts WHERE session_id = ? ORDER BY t_ms').all(sessionId) as { uid: string; type: string; severity: string; t_ms: number }[]
    expect(rows.map((r) => [r.type, r.severity, r.t_ms - T0])).toEqual([
      ['lane_departure', 'warning', 41_000],
      ['slow_reaction', 'warning', 51_000],
      ['kss_high', 'warning', 61_000],
      // Frames every 100 ms: at 76 s the closure has lasted 0.9 s, at 77 s 1.9 s, straight to severe.
      ['microsleep', 'severe', 77_000]
    ])
    expect(raised.map((a) => a.id)).toEqual(rows.map((r) => r.uid))
    // UUIDv7
    expect(rows[0].uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
  })

  it('replays the stored session to exactly the metrics and alerts computed live', () => {
    const { db } = t.station.ctx
    const replay = replaySession(db, sessionId, 50)
    expect(replay.deviceSource).toBe('session')
    const comparison = compareWithStored(db, sessionId, replay.updates)
    expect(comparison.stored).toBe(replay.updates.length)
    expect(comparison.identical).toBe(comparison.stored)
    const stored = db.prepare('SELECT t_ms, type, severity, score, message FROM alerts WHERE session_id = ? ORDER BY t_ms, id').all(sessionId)
    expect(replay.alerts.map(({ tMs, type, severity, score, message }) => ({ t_ms: tMs, type, severity, score, message }))).toEqual(stored)
  })

  it('lists alerts and lets an operator acknowledge one (REST), broadcast as alert.acknowledged', async () => {
    const page = await api<{ data: Alert[]; count: number }>(t, admin, 'GET', `/sessions/${sessionId}/alerts`)
    expect(page.status).toBe(200)
    expect(page.body.count).toBe(4)
    const target = page.body.data[0]
    expect(target.type).toBe('microsleep')
    const ack = await api<Alert>(t, admin, 'POST', `/sessions/${sessionId}/alerts/${target.id}/ack`)
    expect(ack.status).toBe(200)
    expect(ack.body.acknowledged_by).toBe(admin.user.id)
    expect(acks).toEqual([ack.body])
    // Idempotent: the first acknowledgement stays.
    const again = await api<Alert>(t, admin, 'POST', `/sessions/${sessionId}/alerts/${target.id}/ack`)
    expect(again.body.acknowledged_at).toBe(ack.body.acknowledged_at)
    const open = await api<{ count: number }>(t, admin, 'GET', `/sessions/${sessionId}/alerts?unacknowledged=true`)
    expect(open.body.count).toBe(3)
    expect((await api(t, admin, 'POST', `/sessions/${sessionId}/alerts/nope/ack`)).status).toBe(404)
    expect((await api(t, null, 'GET', `/sessions/${sessionId}/alerts`)).status).toBe(401)
  })

  it('acknowledges through the stream too: alert.ack calls the same function as the REST route', async () => {
    const { db } = t.station.ctx
    const row = db.prepare('SELECT uid FROM alerts WHERE session_id = ? AND acknowledged_at IS NULL ORDER BY t_ms LIMIT 1').get(sessionId) as { uid: string }
    const client = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: admin.accessToken })
    try {
      await client.next('hello')
      client.send({ type: 'alert.ack', alertId: row.uid })
      const broadcast = await client.next('alert.acknowledged')
      const after = db.prepare('SELECT acknowledged_by FROM alerts WHERE uid = ?').get(row.uid) as { acknowledged_by: string }
      expect(after.acknowledged_by).toBe(admin.user.id)
      expect(broadcast.alert).toMatchObject({ id: row.uid, session_id: sessionId, acknowledged_by: admin.user.id })
      expect(acks.at(-1)).toEqual(broadcast.alert)
    } finally {
      client.close()
    }
  })

  it('`analyze` replays the session from the command line with the same result as live', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((_chunk: unknown, cb?: unknown) => {
      if (typeof cb === 'function') cb()
      return true
    })
    const run = async (flags: Record<string, string | boolean>) => {
      write.mockClear()
      expect(await analyzeCommand.run({ command: 'analyze', positionals: [sessionId], flags: { 'data-dir': t.dataDir, ...flags } })).toBe(0)
      return write.mock.calls.map((c) => String(c[0])).join('')
    }
    try {
      const out = JSON.parse(await run({ json: true })) as { updates: unknown[]; alerts: unknown[]; comparison: { stored: number; identical: number } }
      expect(out.comparison.identical).toBe(out.comparison.stored)
      expect(out.updates.length).toBe(out.comparison.stored)
      expect(out.alerts.length).toBe(4)
      const text = await run({})
      expect(text).toMatch(/identical to this replay/)
      expect(text).toMatch(/severe\s+microsleep\s+Eyes closed for 1\.9 s/)
    } finally {
      write.mockRestore()
    }
  })
})

describe('fatigue engine on the live headset stream', () => {
  it('analyses the simulated headset of a recording session about once a second', async () => {
    const clock = createManualClock()
    const t = await startTestStation({ device: { kind: 'simulated' } }, { clock })
    try {
      const admin = await registerAndLogin(t, { role: 'admin' })
      const created = await api<{ id: string }>(t, admin, 'POST', '/sessions', { name: 'live', participant_code: 'P02' })
      const updates: FatigueMetrics[] = []
      t.station.ctx.events.on('fatigue.update', (_id, metrics) => updates.push(metrics))
      expect((await api(t, admin, 'PATCH', `/sessions/${created.body.id}`, { status: 'recording' })).status).toBe(200)
      clock.advance(4000)
      expect((await api(t, admin, 'PATCH', `/sessions/${created.body.id}`, { status: 'completed' })).status).toBe(200)
      const rows = t.station.ctx.db.prepare('SELECT data_json FROM fatigue_metrics WHERE session_id = ? ORDER BY t_ms').all(created.body.id) as { data_json: string }[]
      expect(rows.length).toBeGreaterThanOrEqual(3)
      expect(updates.length).toBe(rows.length)
      // Channel names from the headset the session recorded with.
      const last = JSON.parse(rows.at(-1)!.data_json) as FatigueMetrics
      expect(last.eeg!.channels.map((c) => c.name)).toEqual(['Fp1', 'Fp2', 'C3', 'C4', 'P7', 'P8', 'O1', 'O2'])
      const replay = replaySession(t.station.ctx.db, created.body.id, 50)
      expect(compareWithStored(t.station.ctx.db, created.body.id, replay.updates)).toEqual({ stored: rows.length, matched: rows.length, identical: rows.length })
    } finally {
      forgetStation(t.baseUrl)
      await t.close()
    }
  })
})
