/**
 * `--lsl`: a recording session's EEG, markers and fatigue reach an LSL inlet over loopback with
 * channel metadata and timestamps on the LSL clock, and the outlets close with the session.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { defaultLslNetworkConfig, openLslInlet, readChannelsDesc, resolveStreams, type LslInlet, type ReceivedSample } from '../../../src/station/lsl/protocol'
import { authHeader, forgetStation, registerAndLogin, type LoggedInUser } from '../../helpers/auth'
import { createManualClock } from '../../helpers/clock'
import { startTestStation, type TestStation } from '../../helpers/station'
import { waitUntil } from '../../helpers/wait'

async function api<T>(t: TestStation, user: LoggedInUser, method: 'POST' | 'PATCH' | 'PUT', path: string, body: object): Promise<{ status: number; body: T }> {
  const res = await t.station.server.inject({ method, url: `/api/v1${path}`, headers: authHeader(user.accessToken), payload: body })
  return { status: res.statusCode, body: JSON.parse(res.body) as T }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c()
})

describe('Vigil publishes a recording session over LSL', () => {
  it('EEG, markers and fatigue reach an inlet with metadata and LSL-clock timestamps; outlets close with the session', async () => {
    const base = 40000 + ((process.pid * 13) % 10000)
    const lsl = { enabled: true, resolveScope: 'machine' as const, listenAddress: '127.0.0.1', multicastPort: base, basePort: base + 1, portRange: 8 }
    const network = defaultLslNetworkConfig({ ...lsl, knownPeers: [] })
    const clock = createManualClock()
    const t = await startTestStation({ stationName: 'lab-a', device: { kind: 'simulated' }, lsl }, { clock })
    cleanups.push(async () => {
      forgetStation(t.baseUrl)
      await t.close()
    })
    const admin = await registerAndLogin(t, { role: 'admin' })
    const created = await api<{ id: string }>(t, admin, 'POST', '/sessions', { name: 'lsl drive', participant_code: 'P07' })
    // The session's montage names the EEG outlet's channels and its reference, as in every export.
    const labels = ['Fp1', 'Fp2', 'C3', 'C4', 'EOG-L', 'P8', 'O1', 'O2']
    const montage = { preset: null, electrodes: labels.map((label, i) => ({ label, position: i === 4 ? null : label })), reference: 'Cz', ground: 'AFz' }
    expect((await api(t, admin, 'PUT', `/sessions/${created.body.id}/montage`, montage)).status).toBe(200)
    expect((await api(t, admin, 'PATCH', `/sessions/${created.body.id}`, { status: 'recording' })).status).toBe(200)
    clock.advance(100)
    expect((await api(t, admin, 'POST', `/sessions/${created.body.id}/markers`, { label: 'start-drive', value: 'lap1' })).status).toBe(201)
    const found = await resolveStreams({ network, minimum: 2, timeoutMs: 10_000, query: "starts-with(name,'lab-a')" })
    const eegInfo = found.find((s) => s.type === 'EEG')!
    expect(eegInfo).toMatchObject({ name: 'lab-a EEG', channelFormat: 'float32', channelCount: 8, nominalSrateHz: 250 })
    expect(eegInfo.sourceId).toBe(`vigil:${t.station.ctx.stationId}:simulated:eeg`)
    expect(found.find((s) => s.type === 'Markers')?.name).toBe('lab-a Markers')

    const eeg: ReceivedSample[] = []
    const inlets: LslInlet[] = []
    const open = async (query: string, into: ReceivedSample[]): Promise<LslInlet> => {
      const [info] = await resolveStreams({ network, query, minimum: 1, timeoutMs: 10_000 })
      const inlet = openLslInlet(info!, { network, recover: false, onSamples: (s) => into.push(...s) })
      await inlet.open()
      inlets.push(inlet)
      cleanups.push(() => inlet.close())
      return inlet
    }
    const eegInlet = await open("type='EEG'", eeg)
    expect(readChannelsDesc(eegInlet.info)).toEqual(labels.map((label) => ({ label, type: 'EEG', unit: 'microvolts' })))
    const reference = eegInlet.info.desc.children.find((c) => c.name === 'reference')
    expect(reference?.children.find((c) => c.name === 'label')?.text).toBe('Cz')
    const fatigue: ReceivedSample[] = []
    const markers: ReceivedSample[] = []
    await open("type='Markers'", markers)
    // Fatigue appears with the first update; run the headset until it does.
    for (let k = 0; k < 40 && !t.station.ctx.lsl!.outlets().some((o) => o.role === 'fatigue'); k++) clock.advance(250)
    await open("type='Fatigue'", fatigue)
    const before = eeg.length
    clock.advance(2000)
    await waitUntil(() => eeg.length >= before + 500, { what: '500 more EEG samples' })
    await waitUntil(() => fatigue.length >= 1, { what: 'a fatigue update' })
    // Consecutive samples exactly 4 ms apart on the LSL clock, across blocks.
    const recent = eeg.slice(-100)
    for (let i = 1; i < recent.length; i++) expect(recent[i]!.timestamp - recent[i - 1]!.timestamp).toBeCloseTo(0.004, 9)
    expect(fatigue[0]!.values).toHaveLength(9)
    expect(await api(t, admin, 'POST', `/sessions/${created.body.id}/markers`, { label: 'stop-drive' })).toMatchObject({ status: 201 })
    await waitUntil(() => markers.some((m) => m.values[0] === 'stop-drive'))
    expect(t.station.ctx.lsl!.outlets().map((o) => o.role).sort()).toEqual(['eeg', 'fatigue', 'markers', 'quality'].filter((r) => t.station.ctx.lsl!.outlets().some((o) => o.role === r)))

    // The operator's view: live outlets with their consumers, and what the network offers.
    const get = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await t.station.server.inject({ method: 'GET', url: `/api/v1${url}`, headers: authHeader(admin.accessToken) })
      return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> }
    }
    const outlets = await get('/lsl/outlets')
    expect(outlets.body).toMatchObject({ enabled: true })
    expect(outlets.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ session_id: created.body.id, role: 'eeg', name: 'lab-a EEG', consumers: 1 }),
        expect.objectContaining({ role: 'markers', consumers: 1 }),
        expect.objectContaining({ role: 'fatigue', consumers: 1 })
      ])
    )
    const streams = await get(`/lsl/streams?query=${encodeURIComponent("type='EEG'")}&timeout_ms=1500`)
    expect(streams.body.data).toEqual([expect.objectContaining({ name: 'lab-a EEG', channel_format: 'float32', nominal_srate_hz: 250, is_recordable: true, address: '127.0.0.1' })])
    expect((await get(`/lsl/streams?query=${encodeURIComponent("type='EEG' and")}`)).status).toBe(400)

    expect((await api(t, admin, 'PATCH', `/sessions/${created.body.id}`, { status: 'completed' })).status).toBe(200)
    await waitUntil(() => t.station.ctx.lsl!.outlets().length === 0 && inlets.every((i) => !i.isConnected), { what: 'outlets closed' })
    expect(await resolveStreams({ network, timeoutMs: 300 })).toEqual([])
    expect((await get('/lsl/outlets')).body).toMatchObject({ enabled: true, data: [], count: 0 })
  })
})
