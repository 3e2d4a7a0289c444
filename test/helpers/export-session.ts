/**
 * Writes a recorded session straight into a local SQLite database for export tests and the export
 * bench: a user, a session with its headset description, simulated EEG with optional drops and a
 * reconnect, markers, game events, face events, alerts and fatigue updates.
 */
import type { FatigueMetrics } from '../../src/shared/schemas/fatigue'
import { createSimulatedEeg } from '../../src/station/devices/simulated/simulated-eeg'
import { newId } from '../../src/station/ids'
import type { LocalDatabase } from '../../src/station/storage/database'

export interface SeedOptions {
  seconds: number
  sampleRateHz?: number
  channelCount?: number
  /** UTC epoch ms of the first sample. */
  startMs?: number
  participantCode?: string
  /** Sequence numbers left out (dropped by the headset): [firstSeq, count]. */
  drops?: [number, number][]
  /** Before this sequence number the clock jumps ahead by `reconnectMs` with no seq jump. */
  reconnect?: { atSeq: number; gapMs: number }
  withEvents?: boolean
  deviceExtra?: Record<string, unknown>
  /** An existing user who owns the session; otherwise a fresh researcher is inserted. */
  createdBy?: string
}

export interface SeededSession {
  sessionId: string
  userId: string
  startMs: number
  sampleRateHz: number
  channelNames: string[]
  /** Every stored sample, as written. */
  stored: { seq: number; tMs: number; values: Float32Array }[]
}

export const SEED_START_MS = Date.UTC(2026, 10, 24, 9, 30, 15, 250)

export function seedExportSession(db: LocalDatabase, options: SeedOptions): SeededSession {
  const sampleRateHz = options.sampleRateHz ?? 250
  const channelCount = options.channelCount ?? 8
  const startMs = options.startMs ?? SEED_START_MS
  const eeg = createSimulatedEeg({ channelCount, sampleRateHz, seed: 7, fatigueRampMinutes: 30, lineNoiseHz: 50, blinkRatePerMin: 15 })
  const userId = options.createdBy ?? newId()
  const sessionId = newId()
  const iso = new Date(startMs - 60_000).toISOString()
  if (!options.createdBy) db.prepare("INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (?, ?, 'researcher', 'x', ?, ?)").run(userId, `${userId}@lab.test`, iso, iso)
  const device = { kind: 'simulated', port: null, channelNames: eeg.channelNames, sampleRateHz, ...options.deviceExtra }
  db.prepare(
    "INSERT INTO sessions (id, station_id, name, participant_code, device_json, status, started_at, ended_at, created_by, created_at, updated_at) VALUES (?, 'station-1', 'Night drive', ?, ?, 'completed', ?, ?, ?, ?, ?)"
  ).run(sessionId, options.participantCode ?? 'P-07', JSON.stringify(device), new Date(startMs).toISOString(), new Date(startMs + options.seconds * 1000).toISOString(), userId, iso, iso)

  const total = Math.round(options.seconds * sampleRateHz)
  const dropped = new Set<number>()
  for (const [first, count] of options.drops ?? []) for (let s = first; s < first + count; s++) dropped.add(s)
  const insert = db.prepare('INSERT INTO eeg_samples (session_id, seq, t_ms, values_f32) VALUES (?, ?, ?, ?)')
  const stored: SeededSession['stored'] = []
  const periodMs = 1000 / sampleRateHz
  db.transaction(() => {
    const block = 1000
    for (let first = 0; first < total; first += block) {
      const n = Math.min(block, total - first)
      const values = eeg.next(n)
      for (let i = 0; i < n; i++) {
        const seq = first + i
        if (dropped.has(seq)) continue
        const extra = options.reconnect && seq >= options.reconnect.atSeq ? options.reconnect.gapMs : 0
        const tMs = startMs + seq * periodMs + extra
        const row = values.slice(i * channelCount, (i + 1) * channelCount)
        insert.run(sessionId, seq, tMs, Buffer.from(row.buffer))
        if (total <= 100_000) stored.push({ seq, tMs, values: row })
      }
    }
  })()

  if (options.withEvents !== false) {
    const marker = db.prepare('INSERT INTO markers (uid, session_id, t_ms, label, value, created_by) VALUES (?, ?, ?, ?, ?, ?)')
    marker.run(newId(), sessionId, startMs + 1000, 'eyes_closed', null, userId)
    marker.run(newId(), sessionId, startMs + 2500, 'note', 'yawned, said "tired"', userId)
    const game = db.prepare('INSERT INTO game_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)')
    game.run(sessionId, startMs + 500, 'state', JSON.stringify({ kind: 'state', tMs: 500, speedMps: 25 }))
    game.run(sessionId, startMs + 1500, 'stimulus_shown', JSON.stringify({ kind: 'stimulus_shown', tMs: 1500, stimulusId: 1, stimulusKind: 'brake_lights' }))
    game.run(sessionId, startMs + 1912, 'response', JSON.stringify({ kind: 'response', tMs: 1912, stimulusId: 1, via: 'brake', simReactionTimeMs: 412, isLapse: false }))
    game.run(sessionId, startMs + 3000, 'lane_departure', JSON.stringify({ kind: 'lane_departure', tMs: 3000, side: 'left', laneOffsetM: -1.9 }))
    game.run(sessionId, startMs + 4000, 'kss_answer', JSON.stringify({ kind: 'kss_answer', tMs: 4000, promptId: 1, value: 7, latencyMs: 2100 }))
    // As the hub stores them: kind and tMs in their columns, the rest in data_json.
    const face = db.prepare('INSERT INTO face_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)')
    face.run(sessionId, startMs + 100, 'frame', JSON.stringify({ facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 0.95 }))
    face.run(sessionId, startMs + 200, 'calibrated', JSON.stringify({ baselineEarLeft: 0.3, baselineEarRight: 0.31 }))
    face.run(sessionId, startMs + 600, 'blink', JSON.stringify({ durationMs: 150 }))
    face.run(sessionId, startMs + 1200, 'yawn', JSON.stringify({ durationMs: 2500 }))
    face.run(sessionId, startMs + 2000, 'eye_closure', JSON.stringify({ durationMs: 1400 }))
    face.run(sessionId, startMs + 5500, 'eye_closure', JSON.stringify({ durationMs: 600 }))
    face.run(sessionId, startMs + 5700, 'status', JSON.stringify({ status: 'tracking', achievedHz: 24 }))
    db.prepare("INSERT INTO alerts (uid, session_id, t_ms, type, severity, score, message) VALUES (?, ?, ?, 'perclos', 'warning', 0.31, 'PERCLOS above 30% for 60 s')").run(
      newId(),
      sessionId,
      startMs + 4500
    )
  }
  if (options.withEvents !== false) {
    const metric = db.prepare('INSERT INTO fatigue_metrics (session_id, t_ms, score, level, data_json) VALUES (?, ?, ?, ?, ?)')
    for (let second = 1; second <= Math.min(5, Math.floor(options.seconds)); second++) {
      const metrics = fatigueMetricsAt(startMs + second * 1000, second)
      metric.run(sessionId, metrics.tMs, metrics.score, metrics.level, JSON.stringify(metrics))
    }
  }
  return { sessionId, userId, startMs, sampleRateHz, channelNames: eeg.channelNames, stored }
}

/** A plausible engine update; the first has no usable modality yet (score and EEG null). */
function fatigueMetricsAt(tMs: number, second: number): FatigueMetrics {
  const warm = second > 1
  const score = warm ? 20 + second * 7.5 : null
  return {
    tMs,
    score,
    level: score === null ? null : score >= 50 ? 'moderate' : 'alert',
    components: { eeg: warm ? 0.1 * second : null, perclos: 0.05 * second, eyeClosure: second >= 3 ? 0.5 : 0, sdlp: null, laneDepartures: 0, reaction: 0.2, kss: second >= 4 ? 0.75 : null },
    eeg: warm
      ? {
          absoluteUv2: { delta: 40, theta: 12, alpha: 9 + second, beta: 6 },
          relative: { delta: 0.52, theta: 0.18, alpha: 0.2, beta: 0.1 },
          ratios: { thetaAlphaOverBeta: 3.5 + second / 10, alphaOverBeta: 1.5, thetaAlphaOverAlphaBeta: 1.2, thetaOverBeta: 2 },
          zThetaAlphaOverBeta: second >= 4 ? 1.25 : null,
          zAlphaOverBeta: second >= 4 ? 0.8 : null,
          baselineReady: second >= 4,
          cleanFraction: 0.875,
          rejectedAmplitude: 1,
          rejectedEmg: 0,
          channels: []
        }
      : null,
    face: {
      perclosP80: 0.02 * second,
      perclosP70: 0.03 * second,
      facePresentFraction: 1,
      baselineReady: true,
      blinksPerMin: 15,
      meanBlinkDurationMs: 150,
      longClosures: second >= 3 ? 1 : 0,
      maxClosureMs: second >= 3 ? 1400 : 150,
      currentClosureMs: 0,
      yawnsPerMin: second >= 2 ? 1 : 0,
      headNodsPerMin: null
    },
    driving: {
      sdlpM: null,
      sdlpDeltaM: null,
      laneDeparturesPerMin: second >= 3 ? 1 : 0,
      steeringReversalsPerMin: 12.5,
      pvt: { responses: 1, misses: 0, meanRtMs: 412, medianRtMs: 412, meanSpeedPerS: 2.427, lapses: 0, falseStarts: 0 },
      kss: second >= 4 ? 7 : null,
      kssAgeMs: second >= 4 ? (second - 4) * 1000 : null
    },
    alertStates: { eeg_fatigue: 'none', perclos: 'none', microsleep: 'none', lane_departure: 'none', slow_reaction: 'none', kss_high: 'none' }
  }
}
