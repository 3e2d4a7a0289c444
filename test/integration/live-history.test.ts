/**
 * GET /sessions/:id/live-history: what a live view opened late fills itself with. Bounded (one window
 * of EEG however much is stored, at most 7200 fatigue points), readable by whoever may read the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LiveHistory } from '../../src/shared/schemas/live-history'
import { createEegSamplesRepository } from '../../src/station/storage/eeg-samples.repository'
import { authHeader, registerAndLogin, type LoggedInUser } from '../helpers/auth'
import { startTestStation, type TestStation } from '../helpers/station'

describe('live history', () => {
  let t: TestStation
  let owner: LoggedInUser
  let otherStudent: LoggedInUser
  let researcher: LoggedInUser
  let sessionId = ''

  const get = async (user: LoggedInUser, query = '') => {
    const res = await t.fetch(`${t.baseUrl}/api/v1/sessions/${sessionId}/live-history${query}`, { headers: authHeader(user.accessToken) })
    return { status: res.status, body: (await res.json()) as LiveHistory }
  }

  beforeAll(async () => {
    t = await startTestStation()
    owner = await registerAndLogin(t, { role: 'student' })
    otherStudent = await registerAndLogin(t, { role: 'student' })
    researcher = await registerAndLogin(t, { role: 'researcher' })
    const res = await t.fetch(`${t.baseUrl}/api/v1/sessions`, {
      method: 'POST',
      headers: { ...authHeader(owner.accessToken), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'history', participant_code: 'P-HIST' })
    })
    sessionId = ((await res.json()) as { id: string }).id
  })

  afterAll(async () => {
    await t?.close()
  })

  it('answers an empty session with no EEG and no curve', async () => {
    const { status, body } = await get(owner)
    expect(status).toBe(200)
    expect(body).toEqual({ session_id: sessionId, eeg: null, fatigue: [], fatigue_truncated: false, latest_metrics: null })
  })

  it('returns only the last window of a long recording, and the newest 7200 fatigue points oldest first', async () => {
    const db = t.station.ctx.db
    db.prepare('UPDATE sessions SET device_json = ? WHERE id = ?').run(JSON.stringify({ channelNames: ['Fp1', 'Fp2'], sampleRateHz: 100 }), sessionId)
    // 60 s at 100 Hz: sample n carries n on Fp1 and -n on Fp2.
    const n = 6000
    const values = new Float32Array(n * 2)
    const times = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      values[i * 2] = i
      values[i * 2 + 1] = -i
      times[i] = 1_000_000 + i * 10
    }
    createEegSamplesRepository(db).insertBlock(sessionId, { firstSeq: 0, channelCount: 2, timestampsMs: times, samplesUv: values })
    const insert = db.prepare('INSERT INTO fatigue_metrics (session_id, t_ms, score, level, data_json) VALUES (?, ?, ?, ?, ?)')
    db.transaction(() => {
      for (let i = 0; i < 7300; i++) insert.run(sessionId, i * 1000, i % 100, 'alert', JSON.stringify({ tMs: i * 1000, score: i % 100, level: 'alert' }))
    })()

    const { status, body } = await get(owner)
    expect(status).toBe(200)
    expect(body.eeg!.channel_names).toEqual(['Fp1', 'Fp2'])
    expect(body.eeg!.samples_uv).toHaveLength(1000)
    expect(body.eeg!.first_seq).toBe(5000)
    expect(body.eeg!.next_seq).toBe(6000)
    expect(body.eeg!.samples_uv[0]).toEqual([5000, -5000])
    expect(body.eeg!.samples_uv.at(-1)).toEqual([5999, -5999])
    expect(body.eeg!.last_t_ms).toBe(1_000_000 + 5999 * 10)
    expect(body.fatigue).toHaveLength(7200)
    expect(body.fatigue[0].t_ms).toBe(100_000)
    expect(body.fatigue.at(-1)!.t_ms).toBe(7_299_000)
    expect(body.fatigue_truncated).toBe(true)
    // These rows are not full FatigueMetrics (as an older build's might not be): no tiles, but no failure either.
    expect(body.latest_metrics).toBeNull()

    expect((await get(owner, '?eeg_window_s=2')).body.eeg!.samples_uv).toHaveLength(200)
    expect((await get(owner, '?eeg_window_s=31')).status).toBe(422)
    expect((await get(owner, '?eeg_window_s=0')).status).toBe(422)
  })

  it('is readable by whoever may read the session, and by no one else', async () => {
    expect((await get(researcher)).status).toBe(200)
    expect((await get(otherStudent)).status).toBe(404)
  })
})
