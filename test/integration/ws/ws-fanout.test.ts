import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../src/shared/protocol/close-codes'
import { PROTOCOL_VERSION } from '../../../src/shared/protocol/common'
import { encodeEegFrame } from '../../../src/shared/protocol/eeg-frame'
import type { SampleBlock } from '../../../src/station/devices/types'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { eegBatch, sessionOf, setStatus, TestClient, userWith } from '../../helpers/ws-client'

describe('session stream: fan-out, acknowledgements, slow and dead clients', () => {
  let t: TestStation
  let owner: LoggedInUser
  let researcher: LoggedInUser
  let sessionId: string
  let reader: Database.Database

  beforeAll(async () => {
    t = await startTestStation()
    owner = await userWith(t.baseUrl, 'researcher')
    researcher = await userWith(t.baseUrl, 'researcher')
    sessionId = await sessionOf(t.baseUrl, owner)
    // A second connection sees only committed rows.
    reader = new Database(t.station.ctx.db.name, { readonly: true })
  })
  afterAll(async () => {
    reader.close()
    forgetStation(t.baseUrl)
    await t.close()
  })

  const path = (): string => `/ws/session/${sessionId}`
  const countRange = (from: number, to: number): number =>
    (reader.prepare('SELECT count(*) AS n FROM eeg_samples WHERE session_id = ? AND seq >= ? AND seq < ?').get(sessionId, from, to) as { n: number }).n
  const committedSamples = (): number => (reader.prepare('SELECT count(*) AS n FROM eeg_samples WHERE session_id = ?').get(sessionId) as { n: number }).n

  it("delivers a producer's EEG to every other client, in order, without echoing it back, and stores it", async () => {
    const viewers = await Promise.all(Array.from({ length: 20 }, () => TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })))
    const producer = await TestClient.connect(t.baseUrl, path(), { token: owner.accessToken })
    await Promise.all([...viewers, producer].map((c) => c.next('hello')))
    const before = committedSamples()
    for (let i = 0; i < 30; i++) producer.send(eegBatch(i, 1000 + i * 10, 10))
    expect((await producer.next('ack', (m) => m.seq === 29)).seq).toBe(29)
    await Promise.all(viewers.map((v) => v.next('eeg.samples', (m) => m.firstSampleSeq === 1290)))
    for (const v of viewers) {
      const frames = v.of('eeg.samples')
      expect(frames.map((f) => f.firstSampleSeq)).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i * 10))
      expect(frames[0]).toMatchObject({ v: PROTOCOL_VERSION, sessionId, channelCount: 8 })
      expect(frames[0].samplesUv).toEqual((eegBatch(0, 1000, 10) as { samplesUv: number[][] }).samplesUv)
    }
    expect(producer.of('eeg.samples')).toEqual([])
    expect(committedSamples() - before).toBe(300)
    for (const c of [...viewers, producer]) c.close()
  })

  it('acknowledges a seq only once its rows are committed, and re-sent samples are stored once', async () => {
    const producer = await TestClient.connect(t.baseUrl, path(), { token: owner.accessToken })
    await producer.next('hello')
    const checks: Promise<void>[] = []
    producer.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; seq: number }
      // Checked the moment the ack arrives: every sample of every batch up to seq must be readable.
      if (msg.type === 'ack' && msg.seq < 40) checks.push(Promise.resolve().then(() => expect(countRange(5000, 5000 + (msg.seq + 1) * 25)).toBe((msg.seq + 1) * 25)))
    })
    for (let i = 0; i < 40; i++) {
      producer.send(eegBatch(i, 5000 + i * 25, 25))
      // Some batches are committed and acked one by one, not all in one flush.
      if (i % 10 === 0) await producer.next('ack', (m) => m.seq === i)
    }
    await producer.next('ack', (m) => m.seq === 39)
    expect(checks.length).toBeGreaterThan(0)
    await Promise.all(checks)
    // The same samples again (a reconnecting producer): acknowledged, not duplicated.
    producer.send(eegBatch(40, 5000, 25))
    await producer.next('ack', (m) => m.seq === 40)
    expect(countRange(5000, 6000)).toBe(1000)
    producer.close()
  })

  it('takes EEG as binary frames with the same acks, storage and JSON fan-out', async () => {
    const producer = await TestClient.connect(t.baseUrl, path(), { token: owner.accessToken })
    const viewer = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })
    await Promise.all([producer.next('hello'), viewer.next('hello')])
    const values = [1.5, -2.25, 3, 4, 5.5, -6, 7, 8]
    const t0 = Date.now()
    producer.ws.send(encodeEegFrame({ seq: 1, firstSampleSeq: 70_000 }, [t0, t0 + 4], values, 4))
    await producer.next('ack', (m) => m.seq === 1)
    const frame = await viewer.next('eeg.samples', (m) => m.firstSampleSeq === 70_000)
    expect(frame).toMatchObject({ channelCount: 4, tMs: [t0, t0 + 4], samplesUv: [[1.5, -2.25, 3, 4], [5.5, -6, 7, 8]] })
    const row = reader.prepare('SELECT t_ms, values_f32 FROM eeg_samples WHERE session_id = ? AND seq = 70001').get(sessionId) as { t_ms: number; values_f32: Buffer }
    expect(row.t_ms).toBe(t0 + 4)
    expect(Array.from(new Float32Array(row.values_f32.buffer.slice(row.values_f32.byteOffset, row.values_f32.byteOffset + 16)))).toEqual([5.5, -6, 7, 8])
    producer.close()
    viewer.close()
  })

  it('stores and forwards face events, game events and markers, each acknowledged', async () => {
    const producer = await TestClient.connect(t.baseUrl, path(), { token: owner.accessToken })
    const viewer = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })
    await Promise.all([producer.next('hello'), viewer.next('hello')])
    const now = Date.now()
    producer.send({
      type: 'face.events',
      seq: 1,
      events: [
        { kind: 'frame', tMs: now, facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 0.85, pitchDeg: -3 },
        { kind: 'blink', tMs: now + 5, durationMs: 180 }
      ]
    })
    producer.send({ type: 'game.events', seq: 2, events: [{ tMs: now, event: { kind: 'kss_answer', tMs: 300_000, promptId: 1, value: 7, latencyMs: 2100 } }] })
    producer.send({ type: 'marker.add', seq: 3, tMs: now, label: 'eyes closed', value: 'block A' })
    await producer.next('ack', (m) => m.seq === 3)
    const face = await viewer.next('face.events')
    expect(face.events).toEqual([
      { kind: 'frame', tMs: now, facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 0.85, pitchDeg: -3 },
      { kind: 'blink', tMs: now + 5, durationMs: 180 }
    ])
    expect((await viewer.next('game.events')).events[0]).toEqual({ tMs: now, event: { kind: 'kss_answer', tMs: 300_000, promptId: 1, value: 7, latencyMs: 2100 } })
    const marker = await viewer.next('marker.added')
    // The marker resource as GET /sessions/:id/markers returns it.
    expect(marker.marker).toEqual({ id: marker.marker.id, session_id: sessionId, t_ms: now, label: 'eyes closed', value: 'block A', created_by: owner.user.id })
    // The producer sees its marker's assigned id too.
    expect((await producer.next('marker.added')).marker.id).toBe(marker.marker.id)
    const counts = reader
      .prepare(
        `SELECT (SELECT count(*) FROM face_events WHERE session_id = $s) AS face, (SELECT count(*) FROM game_events WHERE session_id = $s) AS game,
                (SELECT count(*) FROM markers WHERE session_id = $s AND uid = $m) AS markers`
      )
      .get({ s: sessionId, m: marker.marker.id })
    expect(counts).toEqual({ face: 2, game: 1, markers: 1 })
    const stored = reader.prepare("SELECT kind, data_json FROM face_events WHERE session_id = ? AND kind = 'blink'").get(sessionId) as { kind: string; data_json: string }
    expect(JSON.parse(stored.data_json)).toEqual({ durationMs: 180 })
    producer.close()
    viewer.close()
  })

  it('fans out the headset path (recorder) the same way, with session status changes', async () => {
    const viewer = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })
    await viewer.next('hello')
    const block: SampleBlock = { firstSeq: 90_000, channelCount: 2, timestampsMs: Float64Array.from([1, 2]), samplesUv: Float32Array.from([1.234, -5.678, 10, 20]) }
    t.station.ctx.recorder.writeEeg(sessionId, block)
    const frame = await viewer.next('eeg.samples', (m) => m.firstSampleSeq === 90_000)
    expect(frame).toMatchObject({ channelCount: 2, tMs: [1, 2], samplesUv: [[1.23, -5.68], [10, 20]] })
    await setStatus(t.baseUrl, owner, sessionId, 'paused')
    expect(await viewer.next('session.status')).toMatchObject({ sessionId, status: 'paused' })
    await setStatus(t.baseUrl, owner, sessionId, 'recording')
    await viewer.next('session.status', (m) => m.status === 'recording')
    viewer.close()
  })

  it('keeps a fast client at full rate while a stalled one loses live frames, is told it lagged, and stays bounded', async () => {
    const hub = t.station.ctx.hub
    const saved = { ...hub.options }
    Object.assign(hub.options, { maxQueuedLiveFrames: 16, highWaterBytes: 64 * 1024 })
    try {
      const fast = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })
      const slow = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })
      await Promise.all([fast.next('hello'), slow.next('hello')])
      // Stop reading: the kernel buffers fill, then ws's, then the outbox.
      slow.ws.pause()
      const frames = 600
      const samples = 250
      for (let i = 0; i < frames; i++) {
        const n = samples
        const block: SampleBlock = {
          firstSeq: 200_000 + i * n,
          channelCount: 8,
          timestampsMs: Float64Array.from({ length: n }, (_, k) => 1e12 + (i * n + k) * 4),
          samplesUv: Float32Array.from({ length: n * 8 }, (_, k) => ((k * 7919) % 20000) / 100 - 100)
        }
        // Straight onto the bus (what the recorder emits), so the test measures fan-out, not SQLite.
        t.station.ctx.events.emit('session.eeg', sessionId, block)
        // Paced by the reader that keeps up (however slow the machine), so only the stalled one falls behind.
        if (i % 4 === 3) await fast.next('eeg.samples', (m) => m.firstSampleSeq === block.firstSeq - 3 * n, 15_000)
      }
      await fast.next('eeg.samples', (m) => m.firstSampleSeq === 200_000 + (frames - 1) * samples, 15_000)
      expect(fast.of('eeg.samples').filter((m) => m.firstSampleSeq >= 200_000)).toHaveLength(frames)
      expect(fast.of('lagging')).toEqual([])
      const stats = hub.stats()
      expect(stats.droppedFrames).toBeGreaterThan(0)
      expect(stats.maxQueuedFrames).toBeLessThanOrEqual(16)
      // The stalled client has not delayed the fast one; now let it read again.
      slow.ws.resume()
      const lagging = await slow.next('lagging', () => true, 10_000)
      expect(lagging.droppedFrames).toBeGreaterThan(0)
      await slow.sync()
      const got = slow.of('eeg.samples').filter((m) => m.firstSampleSeq >= 200_000)
      expect(got.length).toBeLessThan(frames)
      // What it did get is in order, and the newest frame made it (old ones were dropped, not new ones).
      const seqs = got.map((m) => m.firstSampleSeq)
      expect(seqs).toEqual(seqs.toSorted((a, b) => a - b))
      expect(got.at(-1)!.firstSampleSeq).toBe(200_000 + (frames - 1) * samples)
      fast.close()
      slow.close()
    } finally {
      Object.assign(hub.options, saved)
    }
  })

  it('terminates a client that stops answering pings and keeps the ones that answer', async () => {
    const hub = t.station.ctx.hub
    const alive = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken })
    const dead = await TestClient.connect(t.baseUrl, path(), { token: researcher.accessToken, autoPong: false })
    await Promise.all([alive.next('hello'), dead.next('hello')])
    const before = hub.stats().connections
    hub.heartbeat()
    // Two round trips: the station's ping frame precedes the first pong message on the wire, and the
    // client's automatic pong precedes its second ping message, so the station has seen that pong.
    await alive.sync()
    await alive.sync()
    hub.heartbeat()
    expect((await dead.closed).code).toBe(1006)
    expect(hub.stats().connections).toBeLessThanOrEqual(before - 1)
    expect(alive.ws.readyState).toBe(alive.ws.OPEN)
    await alive.sync()
    alive.close()
  })

  it('closes every client of a deleted session with 4004', async () => {
    const doomed = await sessionOf(t.baseUrl, owner, { record: false })
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${doomed}`, { token: researcher.accessToken })
    await c.next('hello')
    const res = await fetch(`${t.baseUrl}/api/v1/sessions/${doomed}`, { method: 'DELETE', headers: { authorization: `Bearer ${owner.accessToken}` } })
    expect(res.status).toBe(204)
    expect(await c.next('session.status')).toMatchObject({ sessionId: doomed, status: null })
    expect((await c.closed).code).toBe(CLOSE_CODES.SESSION_GONE)
  })

  it('closes clients with 1001 when the station stops', async () => {
    const other = await startTestStation()
    try {
      const user = await userWith(other.baseUrl, 'admin')
      const c = await TestClient.connect(other.baseUrl, '/ws/monitor', { token: user.accessToken })
      await c.next('hello')
      await other.station.stop()
      expect((await c.closed).code).toBe(CLOSE_CODES.GOING_AWAY)
    } finally {
      forgetStation(other.baseUrl)
      await other.close()
    }
  })
})
