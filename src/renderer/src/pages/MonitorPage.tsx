import { useEffect, useRef, useState } from 'react'
import { sessionsApi } from '../api/endpoints'
import { LiveSocket, type SocketStatus } from '../api/ws'
import { ConnectionBanner } from '../components/ConnectionBanner'
import { levelTone } from '../components/live/LivePanels'
import { Badge, EmptyState, ErrorNote, Skeleton, StatusBadge, formatDuration } from '../components/ui/ui'
import { useNow } from '../hooks/use-now'
import { useQuery } from '../hooks/use-query'
import { isAlarmUnlocked, playAlarm, unlockAlarm } from '../live/alarm'
import type { StationMessage } from '@shared/protocol/station-messages'
import { applyMonitorMessage, cardFromSession, emptyMonitorState, type MonitorState } from '../live/monitor-state'
import { Link, navigate } from '../router/router'

const ACTIVE = new Set(['recording', 'paused'])

/** Every active session as a live card (in a stable order, so cards never jump); a severe alert flashes its card and sounds the alarm. */
export function MonitorPage() {
  const [state, setState] = useState<MonitorState>(emptyMonitorState)
  const stateRef = useRef(state)
  const [socketStatus, setSocketStatus] = useState<SocketStatus>('connecting')
  const [socketDetail, setSocketDetail] = useState<string>()
  const [isSoundOn, setIsSoundOn] = useState(isAlarmUnlocked)
  const [severe, setSevere] = useState<{ sessionId: string; message: string } | null>(null)
  const nowMs = useNow()
  const isFeedLive = socketStatus === 'open' && state.snapshot !== null

  // The REST list of active sessions: what the page shows until (or while not) the monitor feed is live.
  const recording = useQuery(() => sessionsApi.list(0, 100, { status: 'recording' }), [], { intervalMs: 5000, enabled: !isFeedLive })
  const paused = useQuery(() => sessionsApi.list(0, 100, { status: 'paused' }), [], { intervalMs: 5000, enabled: !isFeedLive })

  useEffect(() => {
    const socket = new LiveSocket({
      path: '/api/v1/ws/monitor',
      onMessage: (message) => {
        const previous = stateRef.current
        const next = applyMonitorMessage(previous, message)
        if (next === previous) return
        stateRef.current = next
        setState(next)
        // A severe alert is cued once, when it arrives (snapshots never repeat it).
        const m = message as StationMessage
        if (m.type === 'alert.raised' && m.alert.severity === 'severe') {
          const card = next.snapshot?.find((c) => c.sessionId === m.alert.session_id)
          setSevere({ sessionId: m.alert.session_id, message: `${card?.participantCode ?? 'session'}: ${m.alert.message}` })
          playAlarm()
        }
      },
      onStatus: (status, detail) => {
        setSocketStatus(status)
        setSocketDetail(detail)
      },
      staleAfterMs: 10_000
    })
    socket.start()
    return () => socket.stop()
  }, [])

  const restCards = recording.data && paused.data ? [...recording.data.data, ...paused.data.data].map(cardFromSession) : []
  const cards = isFeedLive ? state.snapshot! : restCards
  const list = cards.filter((card) => ACTIVE.has(card.status)).sort((a, b) => (a.startedAtMs ?? 0) - (b.startedAtMs ?? 0) || a.sessionId.localeCompare(b.sessionId))
  const isLoading = !isFeedLive && (recording.isLoading || paused.isLoading) && list.length === 0

  return (
    <div className="page" data-testid="monitor-page">
      <div className="page-head">
        <h1>Monitor</h1>
        <button
          type="button"
          className={`btn ${isSoundOn ? '' : 'btn-primary'}`}
          onClick={() => setIsSoundOn(unlockAlarm())}
          aria-pressed={isSoundOn}
          data-testid="sound-toggle"
          title="Browsers play sound only after a click"
        >
          {isSoundOn ? 'Sound on' : 'Enable alarm sound'}
        </button>
      </div>
      {socketStatus !== 'refused' && <ConnectionBanner status={socketStatus} detail={socketDetail} what="the monitor feed" />}
      {socketStatus === 'refused' && <p className="muted">The live monitor feed is not available ({socketDetail}); cards show the session list, refreshed every 5 s.</p>}
      {severe && (
        <div className="banner banner-bad severe-flash" role="alert" data-testid="severe-banner">
          Severe alert — {severe.message}{' '}
          <button type="button" className="btn btn-small" onClick={() => navigate(`/sessions/${severe.sessionId}/live`)}>
            Open
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => setSevere(null)}>
            Dismiss
          </button>
        </div>
      )}
      <ErrorNote error={recording.error ?? paused.error} onRetry={() => void recording.reload()} />
      {isLoading ? (
        <Skeleton lines={4} label="Loading active sessions" />
      ) : list.length === 0 ? (
        <EmptyState title="No active sessions">
          <p>
            Sessions appear here while they record. <Link to="/sessions">Go to sessions</Link>
          </p>
        </EmptyState>
      ) : (
        <ul className="monitor-grid" data-testid="monitor-cards">
          {list.map((card) => {
            const alert = state.newestAlert.get(card.sessionId) ?? null
            const isSevere = alert !== null && !alert.acknowledgedAtMs && alert.level === 'severe'
            const good = card.signalQuality.filter((q) => q === 'good').length
            return (
              <li key={card.sessionId}>
                <Link to={`/sessions/${card.sessionId}/live`} className={`monitor-card tone-${levelTone(card.fatigueLevel)}${isSevere ? ' severe-flash' : ''}`} data-testid="monitor-card">
                  <span className="card-top">
                    <strong className="card-participant">{card.participantCode}</strong>
                    <StatusBadge status={card.status} />
                  </span>
                  <span className="card-name">{card.name}</span>
                  <span className="card-fatigue">
                    <span className="fatigue-number" data-testid="card-fatigue">
                      {card.fatigueScore === null ? '—' : Math.round(card.fatigueScore)}
                    </span>
                    <span className="fatigue-level">{card.fatigueLevel ?? 'no estimate yet'}</span>
                  </span>
                  <span className="card-row">
                    <span className="elapsed-small">{card.startedAtMs ? formatDuration(nowMs - card.startedAtMs) : '—'}</span>
                    {card.signalQuality.length > 0 ? (
                      <Badge tone={good === card.signalQuality.length ? 'ok' : good === 0 ? 'bad' : 'warn'}>
                        signal {good}/{card.signalQuality.length} good
                      </Badge>
                    ) : (
                      <span className="muted">signal —</span>
                    )}
                  </span>
                  <span className="card-alert">
                    {alert ? `${alert.level}: ${alert.message}` : card.alertCount ? `${card.alertCount} alert${card.alertCount === 1 ? '' : 's'}` : 'no alerts'}
                  </span>
                </Link>
              </li>
            )
          })}
        </ul>
      )}
    </div>
  )
}

