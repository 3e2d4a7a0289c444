/**
 * The `/ws/monitor` feed: per-session activity counted from the bus, and the 1-2 Hz `monitor.snapshot`
 * of every active session, filtered to what each monitor's user may see.
 */
import type { SessionSummary } from '../../shared/protocol/common'
import type { FatigueLevel } from '../../shared/schemas/fatigue'
import type { Clock } from '../clock'
import type { DeviceManager } from '../devices/device-manager'
import type { Recorder } from '../ingest/recorder'
import { canSeeSession } from '../sessions/permissions'
import { listActiveSessions, sessionCreator } from '../sessions/sessions.repository'
import type { LocalDatabase } from '../storage/database'
import type { SessionChannels } from './channels'
import type { HubConnection } from './connection'
import { encode } from './encode'

interface SessionActivity {
  eegSamples: number
  faceEvents: number
  gameEvents: number
  fatigueLevel: FatigueLevel | null
  fatigueScore: number | null
}

export interface MonitorDeps {
  db: LocalDatabase
  recorder: Pick<Recorder, 'boundSessionId'>
  devices: Pick<DeviceManager, 'status'>
  clock: Clock
  channels: SessionChannels
  monitors: Set<HubConnection>
}

export interface Monitor {
  countEeg(sessionId: string, samples: number): void
  countFace(sessionId: string): void
  countGame(sessionId: string): void
  noteFatigue(sessionId: string, level: FatigueLevel | null, score: number | null): void
  /** A deleted session: its counters and remembered creator go. */
  forget(sessionId: string): void
  /** Who created a session, remembered so a deleted session's last status reaches the right monitors. */
  creatorOf(sessionId: string): string | undefined
  publishSnapshot(): void
}

export function createMonitor(deps: MonitorDeps): Monitor {
  const { db, recorder, devices, clock, channels, monitors } = deps
  const activity = new Map<string, SessionActivity>()
  const creators = new Map<string, string>()
  let lastSnapshotMs = clock.monotonicMs()

  function activityOf(sessionId: string): SessionActivity {
    let a = activity.get(sessionId)
    if (!a) {
      a = { eegSamples: 0, faceEvents: 0, gameEvents: 0, fatigueLevel: null, fatigueScore: null }
      activity.set(sessionId, a)
    }
    return a
  }

  function creatorOf(sessionId: string): string | undefined {
    const known = channels.get(sessionId)?.createdBy ?? creators.get(sessionId)
    if (known) return known
    const fromDb = sessionCreator(db, sessionId)
    if (fromDb) creators.set(sessionId, fromDb)
    return fromDb
  }

  function publishSnapshot(): void {
    const nowMono = clock.monotonicMs()
    const elapsedS = Math.max(0.001, (nowMono - lastSnapshotMs) / 1000)
    lastSnapshotMs = nowMono
    const rows = listActiveSessions(db)
    const device = devices.status()
    // The recorder stays bound while a session records even without a headset; only a live headset is a source.
    const bound = device.state === 'disconnected' ? null : recorder.boundSessionId
    const quality = bound ? device.quality : []
    const summaries: { createdBy: string; summary: SessionSummary }[] = rows.map((row) => {
      creators.set(row.id, row.createdBy)
      const a = activity.get(row.id)
      const channel = channels.get(row.id)
      const eegRate = a ? a.eegSamples / elapsedS : 0
      const summary: SessionSummary = {
        sessionId: row.id,
        name: row.name,
        participantCode: row.participantCode,
        status: row.status,
        startedAt: row.startedAt,
        recordedBy: row.creator ? { id: row.createdBy, email: row.creator.email, fullName: row.creator.fullName } : null,
        eegSource: bound === row.id ? 'headset' : eegRate > 0 ? 'client' : 'none',
        signalQuality: bound === row.id ? [...quality] : [],
        fatigueLevel: a?.fatigueLevel ?? null,
        fatigueScore: a?.fatigueScore ?? null,
        alertCount: row.alertCount,
        viewers: channel ? channel.subscribers.size - channel.producers.size : 0,
        producers: channel?.producers.size ?? 0,
        rates: {
          eegSamplesPerS: Math.round(eegRate * 10) / 10,
          faceEventsPerS: a ? Math.round((a.faceEvents / elapsedS) * 10) / 10 : 0,
          gameEventsPerS: a ? Math.round((a.gameEvents / elapsedS) * 10) / 10 : 0
        }
      }
      return { createdBy: row.createdBy, summary }
    })
    // Counters restart each window; sessions that stopped are forgotten.
    const active = new Set(rows.map((r) => r.id))
    for (const [id, a] of activity) {
      if (!active.has(id)) activity.delete(id)
      else a.eegSamples = a.faceEvents = a.gameEvents = 0
    }
    if (monitors.size === 0) return
    const tMs = clock.wallMs()
    // Everyone who sees everything shares one frame; each student gets the subset they own.
    const frames = new Map<string, Buffer>()
    for (const conn of monitors) {
      const key = conn.user.role === 'student' ? conn.user.id : '*'
      let frame = frames.get(key)
      if (!frame) {
        const sessions = summaries.filter((s) => canSeeSession(conn.user, s.createdBy)).map((s) => s.summary)
        frame = encode({ type: 'monitor.snapshot', tMs, sessions })
        frames.set(key, frame)
      }
      conn.send(frame, 'live', 'snapshot')
    }
  }

  return {
    countEeg: (sessionId, samples) => {
      activityOf(sessionId).eegSamples += samples
    },
    countFace: (sessionId) => {
      activityOf(sessionId).faceEvents++
    },
    countGame: (sessionId) => {
      activityOf(sessionId).gameEvents++
    },
    noteFatigue: (sessionId, level, score) => {
      const a = activityOf(sessionId)
      a.fatigueLevel = level
      a.fatigueScore = score
    },
    forget: (sessionId) => {
      activity.delete(sessionId)
      creators.delete(sessionId)
    },
    creatorOf,
    publishSnapshot
  }
}
