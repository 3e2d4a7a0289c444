import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../../../src/shared/protocol/common'
import type { FatigueMetrics } from '../../../src/shared/schemas/fatigue'
import type { SyncStatus } from '../../../src/shared/schemas/sync'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { eegBatch, sessionOf, setStatus, TestClient, userWith } from '../../helpers/ws-client'

describe('/ws/monitor and engine output on the session stream', () => {
  let t: TestStation
  let admin: LoggedInUser
  let alice: LoggedInUser
  let bob: LoggedInUser
  let aliceSession: string
  let bobSession: string

  beforeAll(async () => {
    t = await startTestStation()
    admin = await userWith(t.baseUrl, 'admin')
    alice = await userWith(t.baseUrl, 'student')
    bob = await userWith(t.baseUrl, 'student')
    // One session records at a time: Bob's is paused (still active), Alice's records.
    bobSession = await sessionOf(t.baseUrl, bob)
    await setStatus(t.baseUrl, bob, bobSession, 'paused')
    aliceSession = await sessionOf(t.baseUrl, alice)
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  it('summarises every active session for those allowed to see it, with live rates', async () => {
    const hub = t.station.ctx.hub
    const adminMonitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: admin.accessToken })
    const aliceMonitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: alice.accessToken })
    expect(await adminMonitor.next('hello')).toMatchObject({ channel: 'monitor', sessionId: null, canWrite: false })
    await aliceMonitor.next('hello')
    const producer = await TestClient.connect(t.baseUrl, `/ws/session/${aliceSession}`, { token: alice.accessToken })
    const viewer = await TestClient.connect(t.baseUrl, `/ws/session/${aliceSession}`, { token: admin.accessToken })
    await Promise.all([producer.next('hello'), viewer.next('hello')])

    hub.publishMonitorSnapshot() // starts a fresh rate window
    for (let i = 0; i < 10; i++) producer.send(eegBatch(i, i * 25, 25))
    await producer.next('ack', (m) => m.seq === 9)
    hub.publishMonitorSnapshot()

    const adminView = await adminMonitor.next('monitor.snapshot', (m) => m.sessions.some((s) => s.rates.eegSamplesPerS > 0))
    expect(adminView.sessions.map((s) => s.sessionId).sort()).toEqual([aliceSession, bobSession].sort())
    const summary = adminView.sessions.find((s) => s.sessionId === aliceSession)!
    expect(summary).toMatchObject({
      status: 'recording',
      participantCode: 'P01',
      recordedBy: { id: alice.user.id, email: alice.user.email },
      eegSource: 'client',
      producers: 1,
      viewers: 1,
      fatigueLevel: null,
      alertCount: 0
    })
    expect(adminView.sessions.find((s) => s.sessionId === bobSession)).toMatchObject({ status: 'paused', eegSource: 'none' })
    const aliceView = await aliceMonitor.next('monitor.snapshot', (m) => m.sessions.length > 0)
    expect(aliceView.sessions.map((s) => s.sessionId)).toEqual([aliceSession])
    for (const c of [adminMonitor, aliceMonitor, producer, viewer]) c.close()
  })

  it('broadcasts fatigue updates to the session and alerts to the session and to monitors that may see it', async () => {
    const { events, hub } = t.station.ctx
    const viewer = await TestClient.connect(t.baseUrl, `/ws/session/${aliceSession}`, { token: admin.accessToken })
    const adminMonitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: admin.accessToken })
    const bobMonitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: bob.accessToken })
    await Promise.all([viewer.next('hello'), adminMonitor.next('hello'), bobMonitor.next('hello')])

    const metrics: FatigueMetrics = {
      tMs: Date.now(),
      score: 62,
      level: 'moderate',
      components: { eeg: 0.6, perclos: null, eyeClosure: null, sdlp: null, laneDepartures: null, reaction: null, kss: null },
      eeg: null,
      face: null,
      driving: null,
      alertStates: { eeg_fatigue: 'none', perclos: 'none', microsleep: 'none', lane_departure: 'none', slow_reaction: 'none', kss_high: 'none' }
    }
    events.emit('fatigue.update', aliceSession, metrics)
    // The stored metrics, unchanged, in the envelope.
    expect(await viewer.next('fatigue.update')).toEqual({ v: PROTOCOL_VERSION, type: 'fatigue.update', sessionId: aliceSession, metrics })

    const alert = t.station.ctx.fatigue.repository.insertAlert(aliceSession, { tMs: Date.now(), type: 'perclos', severity: 'warning', score: 0.3, value: 0.2, threshold: 0.15, message: 'PERCLOS above 15 %' })
    events.emit('alert.raised', alert)
    expect((await viewer.next('alert.raised')).alert).toEqual(alert)
    expect((await adminMonitor.next('alert.raised')).alert).toEqual(alert)

    hub.publishMonitorSnapshot()
    const snap = await adminMonitor.next('monitor.snapshot', (m) => m.sessions.some((s) => s.sessionId === aliceSession && s.fatigueLevel === 'moderate'))
    expect(snap.sessions.find((s) => s.sessionId === aliceSession)!.fatigueScore).toBe(62)
    await bobMonitor.sync()
    expect(bobMonitor.of('alert.raised')).toEqual([])

    // An operator's acknowledgement is stored as over REST and broadcast as the acknowledged alert.
    viewer.send({ type: 'alert.ack', alertId: alert.id })
    const acknowledged = (await viewer.next('alert.acknowledged')).alert
    expect(acknowledged).toEqual({ ...alert, acknowledged_at: expect.any(String), acknowledged_by: admin.user.id })
    expect((await adminMonitor.next('alert.acknowledged')).alert).toEqual(acknowledged)
    // An unknown alert is refused the way REST refuses it.
    viewer.send({ type: 'alert.ack', alertId: 'nope' })
    expect(await viewer.next('error')).toMatchObject({ code: 'NOT_FOUND', inReplyTo: { type: 'alert.ack', seq: null } })
    for (const c of [viewer, adminMonitor, bobMonitor]) c.close()
  })

  it('announces session start and stop to monitors, and device and sync status to everyone', async () => {
    const { events } = t.station.ctx
    const adminMonitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: admin.accessToken })
    const bobMonitor = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: bob.accessToken })
    expect(await adminMonitor.next('device.status')).toMatchObject({ status: { state: 'disconnected', descriptor: null } })
    await bobMonitor.next('hello')
    await setStatus(t.baseUrl, alice, aliceSession, 'completed')
    expect(await adminMonitor.next('session.status')).toEqual({ v: PROTOCOL_VERSION, type: 'session.status', sessionId: aliceSession, status: 'completed' })
    await bobMonitor.sync()
    expect(bobMonitor.of('session.status')).toEqual([])

    const sync: SyncStatus = {
      state: 'syncing',
      central: null,
      pending: { eeg_samples: 1200 },
      pending_total: 1200,
      pending_exact: true,
      synced_total: 0,
      rows_per_s: 0,
      eta_s: null,
      last_success_at: null,
      last_error: null,
      next_retry_at: null,
      consecutive_failures: 0,
      quarantined: 0,
      recent_quarantined: [],
      consent_held: 0,
      recent_consent_held: []
    }
    events.emit('sync.statusChanged', sync)
    // The body of GET /sync/status, unchanged.
    expect(await bobMonitor.next('sync.status')).toEqual({ v: PROTOCOL_VERSION, type: 'sync.status', status: sync })
    // A later client gets the last known sync status right after hello.
    const late = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: bob.accessToken })
    expect(await late.next('sync.status')).toMatchObject({ status: { state: 'syncing' } })
    for (const c of [adminMonitor, bobMonitor, late]) c.close()
  })
})
