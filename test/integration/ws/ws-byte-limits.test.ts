/**
 * Issue 23 item 12: the WebSocket rate limit counted messages, not bytes, and producer connections
 * were not capped (one producer of 770 KB frames raised other clients' ping p50 from 1 to 104 ms).
 * A connection over its byte budget is no longer read until the budget recovers (nothing is lost), and
 * a session takes data from a bounded number of connections. When the event loop lags anyway, the
 * heaviest connections are paused too. bench/ws-abuse.bench.ts measures the effect
 * on a healthy client's ping.
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { createManualClock, type ManualClock } from '../../helpers/clock'
import { startTestStation, type TestStation } from '../../helpers/station'
import { eegBatch, sessionOf, TestClient, userWith } from '../../helpers/ws-client'

describe('byte rate and producers per session', () => {
  let t: TestStation
  let clock: ManualClock
  let owner: LoggedInUser
  let sessionId: string
  let reader: Database.Database

  beforeAll(async () => {
    clock = createManualClock()
    t = await startTestStation({}, { clock })
    owner = await userWith(t.baseUrl, 'researcher')
    sessionId = await sessionOf(t.baseUrl, owner)
    reader = new Database(t.station.ctx.db.name, { readonly: true })
  })
  afterAll(async () => {
    reader.close()
    forgetStation(t.baseUrl)
    await t.close()
  })

  const connect = async (): Promise<TestClient> => {
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken })
    await c.next('hello')
    return c
  }
  const storedFrom = (firstSeq: number): number =>
    (reader.prepare('SELECT count(*) AS n FROM eeg_samples WHERE session_id = ? AND seq >= ?').get(sessionId, firstSeq) as { n: number }).n

  it('announces the byte rate and the producer cap in hello', async () => {
    const c = await connect()
    const { options } = t.station.ctx.hub
    expect(c.messages[0]).toMatchObject({
      type: 'hello',
      limits: { maxBytesPerS: options.maxBytesPerS, burstBytes: options.burstBytes, maxProducersPerSession: options.maxProducersPerSession }
    })
    c.close()
  })

  it('stops reading a connection that exceeds its byte budget until the budget recovers, and loses nothing', async () => {
    const hub = t.station.ctx.hub
    const saved = { ...hub.options }
    const frame = JSON.stringify(eegBatch(0, 0, 1000))
    // Two frames fit the burst; the third puts the connection in debt for about two frames' worth of time.
    const bystander = await connect()
    Object.assign(hub.options, { burstBytes: Math.floor(frame.length * 2.5), maxBytesPerS: frame.length })
    const producer = await connect()
    Object.assign(hub.options, saved)
    const first = 100_000
    for (let i = 0; i < 6; i++) producer.send(eegBatch(i, first + i * 1000, 1000))
    await producer.next('ack', (m) => m.seq >= 2)
    // Other connections are served meanwhile; the throttled one is not read while the clock stands still.
    for (let i = 0; i < 3; i++) await bystander.sync()
    expect(hub.stats().throttledPauses).toBeGreaterThan(0)
    expect(producer.of('ack').at(-1)!.seq).toBeLessThan(5)
    expect(storedFrom(first)).toBeLessThan(6000)

    // Time passes: the budget recovers (in steps), reading resumes and every frame is stored and acked.
    for (let i = 0; i < 10 && !producer.of('ack').some((m) => m.seq === 5); i++) {
      clock.advance(3000)
      await bystander.sync()
    }
    await producer.next('ack', (m) => m.seq === 5)
    expect(storedFrom(first)).toBe(6000)
    producer.close()
    clock.advance(10_000)
    await producer.closed
    bystander.close()
  })

  it('stops reading a connection whose messages took more than its share of handling time, and loses nothing', async () => {
    const hub = t.station.ctx.hub
    const saved = { ...hub.options }
    const bystander = await connect()
    // Ten milliseconds of handling per second and no burst: the first message already puts it in debt.
    Object.assign(hub.options, { maxBusyMsPerS: 10, burstBusyMs: 0 })
    const producer = await connect()
    Object.assign(hub.options, saved)
    const pausesBefore = hub.stats().throttledPauses
    const first = 200_000
    for (let i = 0; i < 4; i++) producer.send(eegBatch(i, first + i * 1000, 1000))
    await producer.next('ack', (m) => m.seq >= 0)
    for (let i = 0; i < 3; i++) await bystander.sync()
    expect(hub.stats().throttledPauses).toBeGreaterThan(pausesBefore)
    expect(producer.of('ack').at(-1)!.seq).toBeLessThan(3)
    // (The manual clock also runs token expiry: the whole file stays well inside a 15-minute token.)
    for (let i = 0; i < 40 && !producer.of('ack').some((m) => m.seq === 3); i++) {
      clock.advance(5000)
      await bystander.sync()
    }
    await producer.next('ack', (m) => m.seq === 3)
    expect(storedFrom(first)).toBe(4000)
    // A paused connection reads its close frame once the pause ends, like any other frame.
    producer.close()
    clock.advance(10_000)
    await producer.closed
    bystander.close()
  })

  it('pauses reading from connections that used more than their share of a lagging event loop, and loses nothing', async () => {
    const hub = t.station.ctx.hub
    const saved = { ...hub.options }
    const producer = await connect()
    // Every probe sees "lag", and the budgets cannot be what pauses it: only the loop guard acts.
    Object.assign(hub.options, { maxLoopLagMs: -1, loopFairShareMs: 0.5, maxBusyMsPerS: 1e9, burstBusyMs: 1e9 })
    try {
      const pausesBefore = hub.stats().throttledPauses
      const first = 300_000
      for (let i = 0; i < 4; i++) producer.send(eegBatch(i, first + i * 1000, 1000))
      // The guard's pauses run on real time (it measures the process), so reading resumes by itself.
      await producer.next('ack', (m) => m.seq === 3)
      expect(hub.stats().throttledPauses).toBeGreaterThan(pausesBefore)
      expect(storedFrom(first)).toBe(4000)
    } finally {
      Object.assign(hub.options, saved)
    }
    producer.close()
    await producer.closed
  })

  it('takes data from at most maxProducersPerSession connections at once', async () => {
    const hub = t.station.ctx.hub
    const saved = hub.options.maxProducersPerSession
    hub.options.maxProducersPerSession = 2
    try {
      const [a, b, c] = [await connect(), await connect(), await connect()]
      const mark = (client: TestClient, seq: number) => client.send({ type: 'marker.add', seq, tMs: clock.wallMs(), label: 'probe' })
      mark(a, 1)
      await a.next('ack', (m) => m.seq === 1)
      mark(b, 1)
      await b.next('ack', (m) => m.seq === 1)
      mark(c, 1)
      expect(await c.next('error')).toMatchObject({ code: 'RATE_LIMITED', inReplyTo: { type: 'marker.add', seq: 1 }, message: expect.stringMatching(/already has 2 producing connections/) })
      // The producers keep going; a viewer may always watch; a freed slot is taken.
      mark(a, 2)
      await a.next('ack', (m) => m.seq === 2)
      a.close()
      await a.closed
      await b.sync()
      mark(c, 2)
      await c.next('ack', (m) => m.seq === 2)
      b.close()
      c.close()
    } finally {
      hub.options.maxProducersPerSession = saved
    }
  })
})
