import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type SessionSummary } from '@shared/protocol/common'
import type { StationMessage } from '@shared/protocol/station-messages'
import type { Alert, FatigueMetrics } from '@shared/schemas/fatigue'
import { PointRing, TraceBuffer } from '@renderer/live/trace-buffer'
import { decodeMessage } from '@renderer/live/protocol'
import { SessionLive } from '@renderer/live/session-live'
import { applyMonitorMessage, emptyMonitorState } from '@renderer/live/monitor-state'

describe('TraceBuffer', () => {
  it('keeps only the last window of samples, per channel, with a running mean', () => {
    const buffer = new TraceBuffer(2, 10, 1) // 10 samples per channel
    const values: number[] = []
    for (let i = 0; i < 25; i++) values.push(i, 100 + i)
    buffer.push(values, 25)
    expect(buffer.written).toBe(25)
    expect(buffer.at(0, 24)).toBe(24)
    expect(buffer.at(1, 15)).toBe(115)
    expect(buffer.mean(0)).toBeCloseTo((15 + 24) / 2)
    expect(buffer.mean(1)).toBeCloseTo(100 + (15 + 24) / 2)
  })

  it('allocates once: two hours of pushes leave the same arrays in place', () => {
    const buffer = new TraceBuffer(8, 250, 10)
    const arrays = [...buffer.channels]
    const block = new Float32Array(25 * 8).fill(3)
    for (let i = 0; i < 2 * 3600 * 10; i++) buffer.push(block, 25)
    expect(buffer.channels.every((channel, c) => channel === arrays[c] && channel.length === 2500)).toBe(true)
    expect(buffer.mean(5)).toBeCloseTo(3)
  })

  it('turns non-finite samples into zeros instead of poisoning the mean', () => {
    const buffer = new TraceBuffer(1, 4, 1)
    buffer.push([1, Number.NaN, Number.POSITIVE_INFINITY, 1], 4)
    expect(buffer.mean(0)).toBeCloseTo(0.5)
  })
})

describe('PointRing', () => {
  it('returns points oldest first and overwrites the oldest when full', () => {
    const ring = new PointRing(3)
    for (let i = 1; i <= 5; i++) ring.push(i * 1000, i)
    expect(ring.size).toBe(3)
    expect(ring.point(0)).toEqual([3000, 3])
    expect(ring.latest()).toEqual([5000, 5])
  })
})

const v = PROTOCOL_VERSION
/** Typed, so a fixture that drifts from the protocol fails to compile. */
const wire = (message: StationMessage): StationMessage => message

function alertOf(id: string, sessionId: string, tMs: number, severity: Alert['severity'], message: string): Alert {
  return { id, session_id: sessionId, t_ms: tMs, type: 'perclos', severity, score: null, message, acknowledged_at: null, acknowledged_by: null }
}

describe('live view decoding (protocol v2)', () => {
  it('feeds EEG into the ring buffers with channel names and rate from device.status, counting gaps', () => {
    const live = new SessionLive()
    live.apply(
      decodeMessage(
        wire({
          v,
          type: 'device.status',
          status: {
            state: 'streaming',
            descriptor: { kind: 'simulated', model: 'Sim', channel_names: ['Fp1', 'Fp2'], sample_rate_hz: 250, full_scale_uv: 187500, unit: 'uV', gain: null, port: null, baud_rate: null },
            quality: ['good', 'noisy'],
            stats: { samples_received: 10, samples_dropped: 0, gaps: 0, parse_errors: 0, reconnects: 0 },
            detail: null
          }
        })
      )
    )
    const batch = (firstSampleSeq: number) => ({ v, type: 'eeg.samples', sessionId: 's', firstSampleSeq, channelCount: 2, tMs: [0, 4, 8], samplesUv: [[1, 2], [3, 4], [5, 6]], receivedAtMs: 0 })
    live.apply(decodeMessage(batch(0)))
    live.apply(decodeMessage(batch(0))) // duplicate: ignored
    live.apply(decodeMessage(batch(10))) // 7 samples missing
    expect(live.traces?.sampleRateHz).toBe(250)
    expect(live.traces?.written).toBe(6)
    expect(live.traces?.at(1, 5)).toBe(6)
    expect(live.snapshot.channelNames).toEqual(['Fp1', 'Fp2'])
    expect(live.snapshot.quality).toEqual(['good', 'noisy'])
    expect(live.snapshot.gaps).toBe(1)
    expect(live.snapshot.device).toEqual({ state: 'streaming', kind: 'simulated', model: 'Sim', samplesReceived: 10, samplesDropped: 0, reconnects: 0, detail: null })
    live.dispose()
  })

  it('fills from stored history: the window, the curve before live points, tiles until live ones; the join is no gap and an overlap is not drawn twice', () => {
    const live = new SessionLive()
    live.apply(decodeMessage(wire({ v, type: 'fatigue.update', sessionId: 's', metrics: { tMs: 5000, score: 60, level: 'moderate' } as unknown as FatigueMetrics })))
    live.seedHistory({
      session_id: 's',
      eeg: { channel_names: ['Fp1', 'Fp2'], sample_rate_hz: 250, first_seq: 100, next_seq: 103, first_t_ms: 0, last_t_ms: 8, samples_uv: [[1, 2], [3, 4], [5, 6]] },
      fatigue: [
        { t_ms: 1000, score: 10, level: 'alert' },
        { t_ms: 2000, score: null, level: null },
        { t_ms: 3000, score: 30, level: 'alert' },
        { t_ms: 6000, score: 99, level: 'severe' } // newer than the first live point: the live one stands
      ],
      fatigue_truncated: false,
      latest_metrics: { tMs: 6000, score: 99, level: 'severe' } as unknown as FatigueMetrics
    })
    expect(live.snapshot.channelNames).toEqual(['Fp1', 'Fp2'])
    expect(live.traces?.written).toBe(3)
    expect(Array.from({ length: live.fatigue.size }, (_, i) => live.fatigue.point(i))).toEqual([[1000, 10], [3000, 30], [5000, 60]])
    expect(live.snapshot.fatigueScore).toBe(60) // a live update came first: stored metrics do not replace it
    expect(live.snapshot.history).toEqual({ eegSamples: 3, fatiguePoints: 2 })
    // The stream starts inside what history gave (102..104): only 103 and 104 are new; the join is no gap.
    live.apply(decodeMessage({ v, type: 'eeg.samples', sessionId: 's', firstSampleSeq: 102, channelCount: 2, tMs: [0, 4, 8], samplesUv: [[5, 6], [7, 8], [9, 10]], receivedAtMs: 0 }))
    expect(live.traces?.written).toBe(5)
    expect(live.traces?.at(1, 4)).toBe(10)
    expect(live.snapshot.gaps).toBe(0)
    live.dispose()
  })

  it('keeps the strip: face status and rate, participant screen, drive state, sync backlog, each with when it was heard', () => {
    const live = new SessionLive()
    live.apply(decodeMessage(wire({ v, type: 'face.events', sessionId: 's', events: [{ kind: 'status', tMs: 1, status: 'no_camera', detail: 'no device' }] })))
    live.apply(decodeMessage(wire({ v, type: 'game.events', sessionId: 's', events: [{ tMs: 1, event: { kind: 'drive_ready', scenarioId: 'x', seed: 1, status: 'paused' } }] })))
    const strip = live.snapshot.strip
    expect(strip.face).toMatchObject({ status: 'no_camera', achievedHz: null, detail: 'no device' })
    expect(strip.drive).toMatchObject({ status: 'paused' })
    expect(strip.screenAtMs).toBeGreaterThan(0)
    live.noteSyncStatus({ state: 'idle', pending_total: 1234, last_error: { message: 'central unreachable' } })
    expect(live.snapshot.strip.sync).toMatchObject({ state: 'idle', pendingTotal: 1234, lastError: 'central unreachable' })
    live.dispose()
  })

  it('reads score, level, band shares and tiles from fatigue.update, and tracks alerts and their acknowledgement', () => {
    const live = new SessionLive()
    const relative = { delta: 0.1, theta: 0.3, alpha: 0.4, beta: 0.2 }
    const metrics: FatigueMetrics = {
      tMs: 1000,
      score: 72.5,
      level: 'severe',
      components: { eeg: 0.7, perclos: 0.5, eyeClosure: 0, sdlp: 0.4, laneDepartures: 0, reaction: 0.3, kss: 0.75 },
      eeg: {
        absoluteUv2: relative,
        relative,
        ratios: { thetaAlphaOverBeta: 3.5, alphaOverBeta: 2, thetaAlphaOverAlphaBeta: 1.17, thetaOverBeta: 1.5 },
        zThetaAlphaOverBeta: null,
        zAlphaOverBeta: null,
        baselineReady: false,
        cleanFraction: 1,
        rejectedAmplitude: 0,
        rejectedEmg: 0,
        channels: [
          { name: 'Fp1', absoluteUv2: relative, relative, cleanFraction: 1 },
          { name: 'Fp2', absoluteUv2: relative, relative: { delta: 0.3, theta: 0.3, alpha: 0.2, beta: 0.2 }, cleanFraction: 1 },
          // A channel without clean data in the window has no band powers and does not count.
          { name: 'C3', absoluteUv2: null, relative: null, cleanFraction: 0 }
        ]
      },
      face: {
        perclosP80: 0.12,
        perclosP70: 0.15,
        facePresentFraction: 1,
        baselineReady: true,
        blinksPerMin: 14,
        meanBlinkDurationMs: 180,
        longClosures: 0,
        maxClosureMs: 300,
        currentClosureMs: 0,
        yawnsPerMin: 0,
        headNodsPerMin: 0
      },
      driving: {
        sdlpM: 0.21,
        sdlpDeltaM: 0.05,
        laneDeparturesPerMin: 0,
        steeringReversalsPerMin: 12,
        pvt: { responses: 10, misses: 0, meanRtMs: 420, medianRtMs: 400, meanSpeedPerS: 2.4, lapses: 1, falseStarts: 0 },
        kss: 8,
        kssAgeMs: 1000
      },
      alertStates: { eeg_fatigue: 'none', perclos: 'none', microsleep: 'none', lane_departure: 'none', slow_reaction: 'none', kss_high: 'severe' }
    }
    live.apply(decodeMessage(wire({ v, type: 'fatigue.update', sessionId: 's', metrics })))
    expect(live.snapshot.fatigueScore).toBe(72.5)
    expect(live.snapshot.fatigueLevel).toBe('severe')
    expect(live.snapshot.bandPowers.delta).toBeCloseTo(0.2)
    expect(live.snapshot.tiles).toEqual({ perclos: 0.12, blinkRatePerMin: 14, sdlpM: 0.21, reactionTimeMs: 420, kss: 8 })
    expect(live.fatigue.latest()).toEqual([1000, 72.5])

    const a1 = alertOf('a1', 's', 900, 'severe', 'KSS 8')
    live.apply(decodeMessage(wire({ v, type: 'alert.raised', alert: a1 })))
    live.apply(decodeMessage(wire({ v, type: 'alert.raised', alert: alertOf('a2', 's', 950, 'warning', 'PERCLOS') })))
    expect(live.snapshot.alerts.map((a) => a.id)).toEqual(['a2', 'a1'])
    live.apply(decodeMessage(wire({ v, type: 'alert.acknowledged', alert: { ...a1, acknowledged_at: '2026-01-01T00:00:00.000Z', acknowledged_by: 'u' } })))
    expect(live.snapshot.alerts.find((a) => a.id === 'a1')?.acknowledgedAtMs).toBe(Date.parse('2026-01-01T00:00:00.000Z'))
    live.dispose()
  })

  it('keeps the station refusal of something the view sent, with its words, until dismissed', () => {
    const live = new SessionLive()
    const refusal = { v, type: 'error', code: 'AUTH_FORBIDDEN', message: 'Only the creator of the session or an admin can add markers to it', inReplyTo: { type: 'marker.add', seq: 3 } }
    expect(decodeMessage(refusal)).toEqual({ kind: 'refused', code: 'AUTH_FORBIDDEN', message: refusal.message, inReplyTo: 'marker.add' })
    live.apply(decodeMessage(refusal))
    expect(live.snapshot.refusal).toMatchObject({ code: 'AUTH_FORBIDDEN', message: refusal.message, inReplyTo: 'marker.add' })
    live.dismissRefusal()
    expect(live.snapshot.refusal).toBeNull()
    live.dispose()
  })

  it('ignores message types it does not show and junk', () => {
    expect(decodeMessage({ v, type: 'pong', id: 1, serverTimeMs: 0 })).toEqual({ kind: 'ignored' })
    expect(decodeMessage(null)).toEqual({ kind: 'ignored' })
    expect(decodeMessage('text')).toEqual({ kind: 'ignored' })
  })
})

const summary = (sessionId: string, status: SessionSummary['status'] = 'recording'): SessionSummary => ({
  sessionId,
  name: `Session ${sessionId}`,
  participantCode: `P-${sessionId}`,
  status,
  startedAt: '2026-01-01T00:00:00.000Z',
  recordedBy: null,
  eegSource: 'headset',
  signalQuality: ['good', 'good'],
  fatigueLevel: 'moderate',
  fatigueScore: 45,
  alertCount: 1,
  viewers: 2,
  producers: 0,
  rates: { eegSamplesPerS: 250, faceEventsPerS: 0, gameEventsPerS: 0 }
})

describe('monitor state', () => {

  it('takes membership from snapshots, keeps the newest alert per session, and drops ended sessions', () => {
    let state = applyMonitorMessage(emptyMonitorState(), wire({ v, type: 'monitor.snapshot', tMs: 0, sessions: [summary('a'), summary('b')] }))
    expect(state.snapshot?.map((c) => c.participantCode)).toEqual(['P-a', 'P-b'])
    state = applyMonitorMessage(state, wire({ v, type: 'alert.raised', alert: alertOf('x', 'a', 5, 'severe', 'Eyes closed') }))
    state = applyMonitorMessage(state, wire({ v, type: 'alert.raised', alert: alertOf('old', 'a', 1, 'warning', 'older') }))
    expect(state.newestAlert.get('a')?.id).toBe('x')
    const acked = { ...alertOf('x', 'a', 5, 'severe', 'Eyes closed'), acknowledged_at: '2026-01-01T00:00:01.000Z', acknowledged_by: 'u' }
    state = applyMonitorMessage(state, wire({ v, type: 'alert.acknowledged', alert: acked }))
    expect(state.newestAlert.get('a')?.acknowledgedAtMs).toBe(Date.parse(acked.acknowledged_at))
    state = applyMonitorMessage(state, wire({ v, type: 'session.status', sessionId: 'b', status: 'completed' }))
    expect(state.snapshot?.map((c) => c.sessionId)).toEqual(['a'])
    const unchanged = applyMonitorMessage(state, { v, type: 'pong', id: null, serverTimeMs: 0 })
    expect(unchanged).toBe(state)
  })
})
