import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pauseInterruptedSessions } from '../../src/station/sessions/sessions.service'
import { authHeader, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { createManualClock } from '../helpers/clock'
import { startTestStation, type TestStation } from '../helpers/station'
import { waitUntil } from '../helpers/wait'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function client(t: TestStation, user: LoggedInUser) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, {
      method,
      headers: { ...authHeader(user.accessToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
}


describe('sessions API', () => {
  let t: TestStation
  let api: ReturnType<typeof client>
  let user: LoggedInUser
  const changes: [string, string | null][] = []

  beforeAll(async () => {
    t = await startTestStation()
    user = await registerAndLogin(t, { role: 'researcher' })
    api = client(t, user)
    t.station.ctx.events.on('session.changed', (id, status) => changes.push([id, status]))
  })
  afterAll(() => t.close())
  afterEach(async () => {
    // Leave nothing recording for the next test.
    const recording = await api('GET', '/sessions?status=recording')
    for (const s of recording.body.data) await api('PATCH', `/sessions/${s.id}`, { status: 'aborted' })
  })

  it('creates a planned session with every field and zero counters', async () => {
    const body = {
      name: 'Night drive',
      participant_code: 'P-017',
      notes: 'after a night shift',
      scenario: { id: 'highway-night', seed: 7 },
      device: { kind: 'cyton', port: '/dev/ttyUSB0', channel_names: ['Fp1', 'Fp2'], sample_rate_hz: 250 }
    }
    const res = await api('POST', '/sessions', body)
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      ...body,
      station_id: t.station.ctx.stationId,
      status: 'planned',
      started_at: null,
      ended_at: null,
      created_by: user.user.id,
      version: 1,
      counters: { samples: 0, face_events: 0, game_events: 0, alerts: 0 }
    })
    expect(res.body.id).toMatch(UUID_V7)
    expect(changes).toContainEqual([res.body.id, 'planned'])
  })

  it('answers invalid bodies with 422 and field locations', async () => {
    const res = await api('POST', '/sessions', { name: '', participant_code: 'Jane Doe', scenario: { id: 'x', seed: 1.5 } })
    expect(res.status).toBe(422)
    const locs = (res.body.detail as { loc: (string | number)[] }[]).map((d) => d.loc.join('.'))
    expect(locs).toEqual(expect.arrayContaining(['body.name', 'body.participant_code', 'body.scenario.seed']))
    expect((await api('POST', '/sessions', { name: 'x', participant_code: 'P1', created_by: 'someone' })).status).toBe(422)
    expect((await api('PATCH', '/sessions/x', { status: 'flying' })).status).toBe(422)
  })

  it('lists newest first with {data, count}, bounded pagination and filters', async () => {
    const made: string[] = []
    for (const code of ['F1', 'F2', 'F3']) made.push((await api('POST', '/sessions', { name: `list ${code}`, participant_code: code })).body.id)
    const page = await api('GET', '/sessions?skip=0&limit=2')
    expect(page.status).toBe(200)
    expect(page.body.data.map((s: { id: string }) => s.id)).toEqual([made[2], made[1]])
    expect(page.body.count).toBeGreaterThanOrEqual(3)
    expect((await api('GET', '/sessions?skip=1&limit=1')).body.data[0].id).toBe(made[1])
    expect((await api('GET', '/sessions?limit=201')).status).toBe(422)
    expect((await api('GET', '/sessions?limit=0')).status).toBe(422)
    expect((await api('GET', '/sessions?skip=-1')).status).toBe(422)
    const byCode = await api('GET', '/sessions?participant_code=F2')
    expect(byCode.body.data.map((s: { id: string }) => s.id)).toEqual([made[1]])
    await api('PATCH', `/sessions/${made[0]}`, { status: 'aborted' })
    const aborted = await api('GET', '/sessions?status=aborted')
    expect(aborted.body.data.map((s: { id: string }) => s.id)).toContain(made[0])
    expect(aborted.body.data.every((s: { status: string }) => s.status === 'aborted')).toBe(true)
    const mine = await api('GET', `/sessions?created_by=${user.user.id}&limit=200`)
    expect(mine.body.count).toBe(mine.body.data.length)
    const created = (await api('GET', `/sessions/${made[1]}`)).body.created_at as string
    const after = await api('GET', `/sessions?created_after=${encodeURIComponent(created)}&participant_code=F1`)
    expect(after.body.count).toBe(0)
    const before = await api('GET', `/sessions?created_before=${encodeURIComponent(created)}&participant_code=F1`)
    expect(before.body.count).toBe(1)
    // Offsets are honoured: the same instant written with +02:00.
    const shifted = new Date(Date.parse(created) + 2 * 3600_000).toISOString().replace('Z', '+02:00')
    expect((await api('GET', `/sessions?created_before=${encodeURIComponent(shifted)}&participant_code=F1`)).body.count).toBe(1)
    expect((await api('GET', '/sessions?created_after=yesterday')).status).toBe(422)
  })

  it('bumps version and updated_at on every edit', async () => {
    const s = (await api('POST', '/sessions', { name: 'edit me', participant_code: 'E1' })).body
    // updated_at has millisecond resolution: edit once the station's clock has moved past the creation.
    await waitUntil(() => new Date().toISOString() > s.updated_at)
    const edited = await api('PATCH', `/sessions/${s.id}`, { name: 'edited', notes: 'n', scenario: { id: 'city', seed: 3 } })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ name: 'edited', notes: 'n', scenario: { id: 'city', seed: 3 }, version: 2 })
    expect(edited.body.updated_at > s.updated_at).toBe(true)
    const again = await api('PATCH', `/sessions/${s.id}`, { scenario: null })
    expect(again.body).toMatchObject({ scenario: null, version: 3 })
  })

  it('walks the lifecycle, binding the recorder, and refuses illegal transitions with 409', async () => {
    const { ctx } = t.station
    const s = (await api('POST', '/sessions', { name: 'life', participant_code: 'L1' })).body
    expect((await api('PATCH', `/sessions/${s.id}`, { status: 'paused' })).status).toBe(409)
    const started = await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })
    expect(started.status).toBe(200)
    expect(started.body.started_at).toBeTruthy()
    expect(ctx.recorder.boundSessionId).toBe(s.id)
    const paused = await api('PATCH', `/sessions/${s.id}`, { status: 'paused' })
    expect(paused.body.status).toBe('paused')
    expect(ctx.recorder.boundSessionId).toBeNull()
    await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })
    expect(ctx.recorder.boundSessionId).toBe(s.id)
    const stopped = await api('PATCH', `/sessions/${s.id}`, { status: 'completed' })
    expect(stopped.body).toMatchObject({ status: 'completed', started_at: started.body.started_at })
    expect(stopped.body.ended_at).toBeTruthy()
    expect(ctx.recorder.boundSessionId).toBeNull()
    const illegal = await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })
    expect(illegal.status).toBe(409)
    expect(illegal.body).toMatchObject({ code: 'SESSION_ILLEGAL_TRANSITION', detail: 'Cannot change a session from "completed" to "recording"' })
    expect((await api('PATCH', `/sessions/${s.id}`, { status: 'aborted' })).status).toBe(409)
    expect(changes.filter(([id]) => id === s.id).map(([, status]) => status)).toEqual(['planned', 'recording', 'paused', 'recording', 'completed'])
  })

  it('lets only one session record at a time', async () => {
    const a = (await api('POST', '/sessions', { name: 'a', participant_code: 'A' })).body
    const b = (await api('POST', '/sessions', { name: 'b', participant_code: 'B' })).body
    const [ra, rb] = await Promise.all([api('PATCH', `/sessions/${a.id}`, { status: 'recording' }), api('PATCH', `/sessions/${b.id}`, { status: 'recording' })])
    expect([ra.status, rb.status].sort()).toEqual([200, 409])
    const loser = ra.status === 409 ? ra : rb
    expect(loser.body.code).toBe('SESSION_ALREADY_RECORDING')
    // A paused session frees the headset.
    const winner = ra.status === 200 ? a : b
    const other = ra.status === 200 ? b : a
    await api('PATCH', `/sessions/${winner.id}`, { status: 'paused' })
    expect((await api('PATCH', `/sessions/${other.id}`, { status: 'recording' })).status).toBe(200)
    expect((await api('PATCH', `/sessions/${winner.id}`, { status: 'recording' })).status).toBe(409)
  })

  it('adds markers and lists them with the session in time order', async () => {
    const s = (await api('POST', '/sessions', { name: 'm', participant_code: 'M1' })).body
    // A producer's clock may run ahead of the station's by up to the clock tolerance (120 s by default).
    const lateMs = Date.now() + 60_000
    const late = await api('POST', `/sessions/${s.id}/markers`, { label: 'microsleep?', t_ms: lateMs, value: 'eyes closed' })
    expect(late.status).toBe(201)
    expect(late.body).toMatchObject({ session_id: s.id, label: 'microsleep?', t_ms: lateMs, value: 'eyes closed', created_by: user.user.id })
    const now = await api('POST', `/sessions/${s.id}/markers`, { label: 'start of drive' })
    expect(Math.abs(now.body.t_ms - Date.now())).toBeLessThan(60_000)
    const detail = await api('GET', `/sessions/${s.id}`)
    expect(detail.body.markers.map((m: { label: string }) => m.label)).toEqual(['start of drive', 'microsleep?'])
    expect((await api('GET', `/sessions/${s.id}/markers`)).body).toEqual(detail.body.markers)
    expect((await api('POST', `/sessions/${s.id}/markers`, { label: '' })).status).toBe(422)
  })

  it('refuses a marker time outside the session, naming the accepted window', async () => {
    const s = (await api('POST', '/sessions', { name: 'm', participant_code: 'M2' })).body
    for (const t_ms of [2_000_000_000_000_000, Date.now() + 10 * 60_000, Date.now() - 10 * 60_000]) {
      const refused = await api('POST', `/sessions/${s.id}/markers`, { label: 'x', t_ms })
      expect(refused.status).toBe(422)
      expect(refused.body.detail).toMatch(/t_ms = .* lies (before the session started|after the station's present time): accepted are .* to .*/)
    }
    expect((await api('POST', `/sessions/${s.id}/markers`, { label: 'x', t_ms: 1e20 })).status).toBe(422)
    expect((await api('GET', `/sessions/${s.id}/markers`)).body).toEqual([])
  })

  it('publishes REST markers on the event bus like socket markers', async () => {
    const s = (await api('POST', '/sessions', { name: 'bus', participant_code: 'B1' })).body
    const seen: string[] = []
    const onMarker = (m: { sessionId: string; label: string }) => seen.push(`${m.sessionId}:${m.label}`)
    t.station.ctx.events.on('session.marker', onMarker)
    await api('POST', `/sessions/${s.id}/markers`, { label: 'kss 7' })
    t.station.ctx.events.off('session.marker', onMarker)
    expect(seen).toEqual([`${s.id}:kss 7`])
  })

  it('pauses sessions left recording by an interrupted station', async () => {
    const s = (await api('POST', '/sessions', { name: 'crash', participant_code: 'X1' })).body
    await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })
    // What a restart looks like: the row says recording, nothing is bound.
    t.station.ctx.recorder.bind(null)
    const lastSampleTMs = Date.now() - 5000
    t.station.ctx.db.prepare('INSERT INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, 0, ?, ?)').run(s.id, lastSampleTMs, Buffer.alloc(8))
    expect(pauseInterruptedSessions(t.station.ctx)).toEqual([s.id])
    const after = (await api('GET', `/sessions/${s.id}`)).body
    expect(after).toMatchObject({ status: 'paused', version: 3 })
    // The page can say why it is paused and what is missing; an operator's own pause has no such reason.
    expect(after.pause_reason).toEqual({ code: 'station_restart', at: after.updated_at, last_sample_at: new Date(lastSampleTMs).toISOString() })
    expect((await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })).status).toBe(200)
    expect((await api('GET', `/sessions/${s.id}`)).body.pause_reason).toBeNull()
    expect((await api('PATCH', `/sessions/${s.id}`, { status: 'paused' })).body.pause_reason).toBeNull()
  })

  it('reports the spans without the headset from its stored events, an open one closing at the session end', async () => {
    const s = (await api('POST', '/sessions', { name: 'outage', participant_code: 'O1' })).body
    const event = t.station.ctx.db.prepare("INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, '{}')")
    const t0 = Date.parse('2026-03-01T20:00:00.000Z')
    event.run(s.id, t0, 'connected')
    event.run(s.id, t0 + 60_000, 'disconnected')
    event.run(s.id, t0 + 61_000, 'reconnecting')
    event.run(s.id, t0 + 72_500, 'connected')
    event.run(s.id, t0 + 90_000, 'reconnecting')
    let detail = (await api('GET', `/sessions/${s.id}`)).body
    expect(detail.headset_outages[0]).toEqual({ from: new Date(t0 + 60_000).toISOString(), to: new Date(t0 + 72_500).toISOString(), seconds: 12.5 })
    expect(detail.headset_outages[1]).toMatchObject({ from: new Date(t0 + 90_000).toISOString(), to: null })
    await api('PATCH', `/sessions/${s.id}`, { status: 'aborted' })
    detail = (await api('GET', `/sessions/${s.id}`)).body
    expect(detail.headset_outages).toHaveLength(2)
    expect(detail.headset_outages[1].to).toBe(detail.ended_at)
  })

  it('counts samples, face and game events and alerts from the local tables', async () => {
    const s = (await api('POST', '/sessions', { name: 'c', participant_code: 'C1' })).body
    const { db } = t.station.ctx
    const eeg = db.prepare('INSERT INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, ?, ?, ?)')
    for (let i = 0; i < 5; i++) eeg.run(s.id, i, 1000 + i, Buffer.alloc(8))
    db.prepare("INSERT INTO face_events (session_id, t_ms, kind, data_json) VALUES (?, 1, 'blink', '{}')").run(s.id)
    db.prepare("INSERT INTO game_events (session_id, t_ms, kind, data_json) VALUES (?, 1, 'state', '{}')").run(s.id)
    db.prepare("INSERT INTO game_events (session_id, t_ms, kind, data_json) VALUES (?, 2, 'state', '{}')").run(s.id)
    db.prepare("INSERT INTO alerts (uid, session_id, t_ms, type, severity, message) VALUES ('al1', ?, 1, 'perclos', 'warning', 'eyes')").run(s.id)
    const res = await api('GET', `/sessions/${s.id}`)
    expect(res.body.counters).toEqual({ samples: 5, face_events: 1, game_events: 2, alerts: 1 })
  })

  it('deletes a session and all its rows in one go, leaves a tombstone, and refuses while recording', async () => {
    const { db } = t.station.ctx
    const s = (await api('POST', '/sessions', { name: 'd', participant_code: 'D1' })).body
    await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })
    const refused = await api('DELETE', `/sessions/${s.id}`)
    expect(refused.status).toBe(409)
    expect(refused.body.detail).toMatch(/recording/)
    await api('PATCH', `/sessions/${s.id}`, { status: 'completed' })
    db.prepare('INSERT INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, 0, 1, ?)').run(s.id, Buffer.alloc(8))
    db.prepare("INSERT INTO face_events (session_id, t_ms, kind, data_json) VALUES (?, 1, 'blink', '{}')").run(s.id)
    db.prepare("INSERT INTO game_events (session_id, t_ms, kind, data_json) VALUES (?, 1, 'state', '{}')").run(s.id)
    db.prepare("INSERT INTO alerts (uid, session_id, t_ms, type, severity, message) VALUES ('al-d', ?, 1, 'perclos', 'warning', 'x')").run(s.id)
    db.prepare("INSERT INTO fatigue_metrics (session_id, t_ms, data_json) VALUES (?, 1, '{}')").run(s.id)
    db.prepare("INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, 1, 'gap', '{}')").run(s.id)
    await api('POST', `/sessions/${s.id}/markers`, { label: 'x' })
    const del = await api('DELETE', `/sessions/${s.id}`)
    expect(del.status).toBe(204)
    for (const table of ['eeg_samples', 'face_events', 'game_events', 'alerts', 'markers', 'fatigue_metrics', 'device_events', 'sessions']) {
      const column = table === 'sessions' ? 'id' : 'session_id'
      expect((db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(s.id) as { n: number }).n, table).toBe(0)
    }
    expect(db.prepare("SELECT entity, entity_id FROM tombstones WHERE entity_id = ?").all(s.id)).toEqual([{ entity: 'session', entity_id: s.id }])
    expect(changes.at(-1)).toEqual([s.id, null])
    expect((await api('GET', `/sessions/${s.id}`)).status).toBe(404)
    expect((await api('DELETE', `/sessions/${s.id}`)).status).toBe(404)
  })

  it('keeps SQL-injection strings as data in fields and filters', async () => {
    const evil = "'); DROP TABLE sessions;--"
    const s = await api('POST', '/sessions', { name: evil, participant_code: 'SQL1', notes: evil, scenario: { id: evil, seed: 1 } })
    expect(s.status).toBe(201)
    expect((await api('GET', `/sessions/${s.body.id}`)).body).toMatchObject({ name: evil, notes: evil, scenario: { id: evil } })
    expect((await api('GET', `/sessions?participant_code=${encodeURIComponent("' OR 1=1 --")}`)).body).toEqual({ data: [], count: 0 })
    expect((await api('GET', `/sessions?created_by=${encodeURIComponent("x' OR '1'='1")}`)).body.count).toBe(0)
    expect((await api('GET', `/sessions/${encodeURIComponent("' OR 1=1 --")}`)).status).toBe(404)
    expect((await api('POST', '/sessions', { name: 'x', participant_code: "P1' OR 1=1" })).status).toBe(422)
    expect((await api('GET', '/sessions?limit=200')).body.count).toBeGreaterThan(1)
  })
})

describe('sessions with the simulated headset', () => {
  it('records the headset stream while recording and reports completed only after every row is committed', async () => {
    const clock = createManualClock()
    const t = await startTestStation({ device: { kind: 'simulated' } }, { clock })
    try {
      const user = await registerAndLogin(t, { role: 'student' })
      const api = client(t, user)
      const s = (await api('POST', '/sessions', { name: 'sim', participant_code: 'S1' })).body
      const started = await api('PATCH', `/sessions/${s.id}`, { status: 'recording' })
      expect(started.body.device).toMatchObject({ kind: 'simulated', sample_rate_hz: 250 })
      expect(started.body.device.channel_names).toHaveLength(8)
      clock.advance(400)
      const stopped = await api('PATCH', `/sessions/${s.id}`, { status: 'completed' })
      expect(stopped.body.status).toBe('completed')
      const samples = stopped.body.counters.samples
      expect(samples).toBeGreaterThan(20)
      // The headset streams on; nothing more may reach the completed session.
      clock.advance(100)
      const stored = (t.station.ctx.db.prepare('SELECT count(*) AS n FROM eeg_samples WHERE session_id = ?').get(s.id) as { n: number }).n
      expect(stored).toBe(samples)
    } finally {
      await t.close()
    }
  })
})
