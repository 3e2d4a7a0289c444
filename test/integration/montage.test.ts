/**
 * Per-session montage over a real station with the simulated headset: the preset until one is stored,
 * validation (channel count, 10-20/10-10 sites, unique EDF-sized labels), fixed once recording starts,
 * and carried into every export: identical labels in the data file, channels.tsv and electrodes.tsv,
 * positions by site, reference and ground in eeg.json.
 */
import { strFromU8, unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MontageResponse } from '../../src/shared/schemas/montage'
import { createMontageStore } from '../../src/station/sessions/montage.repository'
import { authHeader, forgetStation, registerAndLogin } from '../helpers/auth'
import { parseEdf } from '../helpers/edf-reader'
import { startTestStation, type TestStation } from '../helpers/station'
import { waitUntil } from '../helpers/wait'

const LABELS = ['Fp1', 'Fp2', 'C3', 'C4', 'EOG-L', 'P8', 'O1', 'Oz-ref']
const POSITIONS = ['Fp1', 'fp2', 'C3', 'C4', null, 'P8', 'O1', 'Oz']

function montage(overrides: Record<string, unknown> = {}) {
  return { preset: 'simulated-8', electrodes: LABELS.map((label, i) => ({ label, position: POSITIONS[i] })), reference: 'Cz', ground: 'AFz', ...overrides }
}

describe('/api/v1/sessions/:id/montage', () => {
  let ts: TestStation
  let researcher: Record<string, string>

  const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    ts.fetch(`${ts.baseUrl}/api/v1${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...researcher, ...init.headers } })
  const put = (id: string, body: unknown) => api(`/sessions/${id}/montage`, { method: 'PUT', body: JSON.stringify(body) })
  const newSession = async (name: string) => ((await (await api('/sessions', { method: 'POST', body: JSON.stringify({ name, participant_code: 'P-009' }) })).json()) as { id: string }).id

  beforeAll(async () => {
    ts = await startTestStation({ device: { kind: 'simulated' } })
    researcher = authHeader((await registerAndLogin(ts, { role: 'researcher' })).accessToken)
  })

  afterAll(async () => {
    forgetStation(ts.baseUrl)
    await ts.close()
  })

  it('offers the headset preset until a montage is stored, then the stored one with sites spelled as the template does', async () => {
    const sessionId = await newSession('Montage')
    const initial = (await (await api(`/sessions/${sessionId}/montage`)).json()) as MontageResponse
    expect(initial).toMatchObject({ session_id: sessionId, preset: 'simulated-8', is_stored: false, t_ms: null })
    expect(initial.electrodes).toHaveLength(8)
    expect(initial.electrodes[0]).toEqual({ label: 'Fp1', position: 'Fp1' })

    const res = await put(sessionId, montage())
    expect(res.status).toBe(200)
    const stored = (await (await api(`/sessions/${sessionId}/montage`)).json()) as MontageResponse
    expect(stored).toMatchObject({ is_stored: true, reference: 'Cz', ground: 'AFz', preset: 'simulated-8' })
    expect(stored.electrodes.map((e) => e.label)).toEqual(LABELS)
    expect(stored.electrodes.map((e) => e.position)).toEqual(['Fp1', 'Fp2', 'C3', 'C4', null, 'P8', 'O1', 'Oz'])
    const rows = ts.station.ctx.db.prepare("SELECT count(*) FROM device_events WHERE session_id = ? AND kind = 'montage'").pluck().get(sessionId)
    expect(rows).toBe(1)

    // An impedance check for the session names the electrodes by the montage.
    const check = await api('/devices/impedance-check', { method: 'POST', body: JSON.stringify({ session_id: sessionId }) })
    expect(check.status).toBe(200)
    expect(((await check.json()) as { electrodes: { label: string }[] }).electrodes.map((e) => e.label)).toEqual(LABELS)
  })

  it('refuses a montage for another channel count, unknown sites, duplicate or over-long labels, and keeps the stored one', async () => {
    const sessionId = await newSession('Bad montages')
    const seven = await put(sessionId, montage({ electrodes: LABELS.slice(0, 7).map((label) => ({ label, position: null })) }))
    expect(seven.status).toBe(422)
    expect(((await seven.json()) as { detail: string }).detail).toContain('8 channels')
    const unknownSite = await put(sessionId, montage({ electrodes: LABELS.map((label, i) => ({ label, position: i === 2 ? 'X9' : null })) }))
    expect(unknownSite.status).toBe(422)
    expect(((await unknownSite.json()) as { detail: string }).detail).toContain('"X9" is not a 10-20/10-10 site')
    expect((await put(sessionId, montage({ electrodes: LABELS.map((_, i) => ({ label: i < 2 ? 'fp1' : `E${i}`, position: null })) }))).status).toBe(422)
    expect((await put(sessionId, montage({ electrodes: LABELS.map((label, i) => ({ label: i === 0 ? 'x'.repeat(17) : label, position: null })) }))).status).toBe(422)
    expect(((await (await api(`/sessions/${sessionId}/montage`)).json()) as MontageResponse).is_stored).toBe(false)
  })

  it('refuses to start a recording whose stored montage names another number of channels than the headset has', async () => {
    const sessionId = await newSession('Stale montage')
    // As if stored while another (7-channel) headset was connected.
    createMontageStore(ts.station.ctx.db).record(sessionId, { preset: null, electrodes: LABELS.slice(0, 7).map((label) => ({ label, position: null })), reference: 'Cz', ground: 'AFz', tMs: 1, userId: 'u' })
    const res = await api(`/sessions/${sessionId}`, { method: 'PATCH', body: JSON.stringify({ status: 'recording' }) })
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ code: 'CONFLICT', context: { montage_electrodes: 7, channels: 8 } })
    expect(ts.station.ctx.db.prepare('SELECT status FROM sessions WHERE id = ?').pluck().get(sessionId)).toBe('planned')
    expect((await put(sessionId, montage())).status).toBe(200)
    expect((await api(`/sessions/${sessionId}`, { method: 'PATCH', body: JSON.stringify({ status: 'recording' }) })).status).toBe(200)
    expect((await api(`/sessions/${sessionId}`, { method: 'PATCH', body: JSON.stringify({ status: 'aborted' }) })).status).toBe(200)
  })

  it('fixes the montage once recording starts and carries it into every export', async () => {
    const sessionId = await newSession('Montage export')
    expect((await put(sessionId, montage())).status).toBe(200)
    expect((await api(`/sessions/${sessionId}`, { method: 'PATCH', body: JSON.stringify({ status: 'recording' }) })).status).toBe(200)
    await waitUntil(() => (ts.station.ctx.db.prepare('SELECT count(*) FROM eeg_samples WHERE session_id = ?').pluck().get(sessionId) as number) >= 300, { what: '300 samples stored' })
    expect((await api(`/sessions/${sessionId}`, { method: 'PATCH', body: JSON.stringify({ status: 'completed' }) })).status).toBe(200)
    const late = await put(sessionId, montage({ reference: 'linked mastoids' }))
    expect(late.status).toBe(409)
    expect(((await late.json()) as { code: string }).code).toBe('SESSION_ILLEGAL_TRANSITION')

    const bdf = parseEdf(Buffer.from(await (await api(`/sessions/${sessionId}/export?format=bdf`)).arrayBuffer()))
    expect(bdf.header.signals.map((s) => s.label).slice(0, -1)).toEqual(LABELS)

    const zip = unzipSync(new Uint8Array(await (await api(`/sessions/${sessionId}/export?format=bids&deidentify=false`)).arrayBuffer()))
    const file = (suffix: string) => {
      const path = Object.keys(zip).find((p) => p.endsWith(suffix))
      expect(path, suffix).toBeDefined()
      return strFromU8(zip[path!])
    }
    const tsvRows = (suffix: string) => file(suffix).trimEnd().split('\n').map((line) => line.split('\t'))
    const dataLabels = parseEdf(Buffer.from(zip[Object.keys(zip).find((p) => p.endsWith('_eeg.bdf'))!])).header.signals.map((s) => s.label).slice(0, -1)
    expect(dataLabels).toEqual(LABELS)
    const channels = tsvRows('_channels.tsv')
    expect(channels.slice(1).map((r) => r[0])).toEqual(LABELS)
    expect(channels.slice(1).every((r) => r[6] === 'Cz')).toBe(true)
    const electrodes = tsvRows('_electrodes.tsv')
    expect(electrodes.slice(1).map((r) => r[0])).toEqual(LABELS)
    // Positions by site: the EOG channel is off the head, "Oz-ref" sits at Oz (MNE standard_1020, m).
    expect(electrodes[5].slice(1, 4)).toEqual(['n/a', 'n/a', 'n/a'])
    expect(electrodes[8].slice(1, 4).map(Number)).toEqual([-0.0021, -0.0828, 0.0607])
    expect(electrodes[1].slice(1, 4).map(Number)).toEqual([-0.0309, 0.1146, 0.0279])
    const eegJson = JSON.parse(file('_eeg.json')) as Record<string, unknown>
    expect(eegJson).toMatchObject({ EEGReference: 'Cz', EEGGround: 'AFz' })
    expect(eegJson.EEGPlacementScheme).toBeUndefined()
    expect(JSON.parse(file('_coordsystem.json'))).toMatchObject({ EEGCoordinateSystem: 'CapTrak' })

    const csv = unzipSync(new Uint8Array(await (await api(`/sessions/${sessionId}/export?format=csv`)).arrayBuffer()))
    const samples = strFromU8(csv[Object.keys(csv).find((p) => p.endsWith('_samples.csv'))!])
    expect(samples.slice(0, samples.indexOf('\n'))).toBe(`time_s,timestamp_ms,seq,${LABELS.join(',')}`)
  })
})
