/**
 * The monitor's model: one card per active session. `/ws/monitor` sends a full `monitor.snapshot`
 * every second or so (membership and numbers) plus `alert.*` and `session.status` as they happen;
 * the REST session list stands in while the feed is not connected.
 */
import type { SessionSummary } from '@shared/protocol/common'
import type { StationMessage } from '@shared/protocol/station-messages'
import type { ChannelQuality } from '@shared/schemas/devices'
import type { FatigueLevel } from '@shared/schemas/fatigue'
import type { SessionStatus } from '@shared/schemas/sessions'
import type { Session } from '../api/types'
import { liveAlertOf, type LiveAlert } from './protocol'

export interface MonitorCard {
  sessionId: string
  name: string
  participantCode: string
  status: SessionStatus
  startedAtMs: number | null
  /** Per-channel quality when the station's headset records this session. */
  signalQuality: ChannelQuality[]
  fatigueScore: number | null
  fatigueLevel: FatigueLevel | null
  alertCount: number | null
  viewers: number | null
}

export interface MonitorState {
  /** Cards from the latest snapshot; null until the first snapshot arrives. */
  snapshot: MonitorCard[] | null
  /** Newest alert per session, kept across snapshots (snapshots carry only a count). */
  newestAlert: Map<string, LiveAlert>
}

export const emptyMonitorState = (): MonitorState => ({ snapshot: null, newestAlert: new Map() })

function cardFromSummary(s: SessionSummary): MonitorCard {
  return {
    sessionId: s.sessionId,
    name: s.name,
    participantCode: s.participantCode,
    status: s.status,
    startedAtMs: s.startedAt ? Date.parse(s.startedAt) : null,
    signalQuality: s.signalQuality,
    fatigueScore: s.fatigueScore,
    fatigueLevel: s.fatigueLevel,
    alertCount: s.alertCount,
    viewers: s.viewers
  }
}

export function cardFromSession(session: Session): MonitorCard {
  return {
    sessionId: session.id,
    name: session.name,
    participantCode: session.participant_code,
    status: session.status,
    startedAtMs: session.started_at ? Date.parse(session.started_at) : null,
    signalQuality: [],
    fatigueScore: null,
    fatigueLevel: null,
    alertCount: session.counters.alerts,
    viewers: null
  }
}

/** Applies one monitor message; returns the same state object when nothing changed. */
export function applyMonitorMessage(state: MonitorState, message: unknown): MonitorState {
  const m = message as StationMessage
  switch (m?.type) {
    case 'monitor.snapshot':
      return { ...state, snapshot: m.sessions.map(cardFromSummary) }
    case 'alert.raised': {
      const newestAlert = new Map(state.newestAlert)
      const previous = newestAlert.get(m.alert.session_id)
      if (!previous || m.alert.t_ms >= previous.tMs) newestAlert.set(m.alert.session_id, liveAlertOf(m.alert))
      return { ...state, newestAlert }
    }
    case 'alert.acknowledged': {
      const sessionId = m.alert.session_id
      const previous = state.newestAlert.get(sessionId)
      if (!previous || previous.id !== m.alert.id) return state
      const newestAlert = new Map(state.newestAlert)
      newestAlert.set(sessionId, { ...previous, acknowledgedAtMs: (m.alert.acknowledged_at && Date.parse(m.alert.acknowledged_at)) || Date.now() })
      return { ...state, newestAlert }
    }
    case 'session.status': {
      if (!state.snapshot) return state
      const status = m.status
      return { ...state, snapshot: status === 'recording' || status === 'paused' ? state.snapshot.map((c) => (c.sessionId === m.sessionId ? { ...c, status } : c)) : state.snapshot.filter((c) => c.sessionId !== m.sessionId) }
    }
    default:
      return state
  }
}
