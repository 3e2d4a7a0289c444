import { useEffect, useState } from 'react'
import { itemsOf, sessionsApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import type { Alert } from '../api/types'
import { useAuth } from '../auth/auth-context'
import { SessionActions } from '../components/SessionActions'
import { EegTraces } from '../components/live/EegTraces'
import { FatigueChart } from '../components/live/FatigueChart'
import { AlertTimeline, BandBars, DeviceBox, FatigueValue, FeatureTiles, QualityBadges } from '../components/live/LivePanels'
import { ConnectionBanner } from '../components/ConnectionBanner'
import { ErrorNote, Skeleton, StatusBadge, formatDuration } from '../components/ui/ui'
import { useHotkey } from '../hooks/use-hotkey'
import { useNow } from '../hooks/use-now'
import { useQuery } from '../hooks/use-query'
import { useSessionStream } from '../hooks/use-session-stream'
import { liveAlertOf, type LiveAlert } from '../live/protocol'
import { DriveControl } from '../game'
import { Link } from '../router/router'

const SCALES_UV = [20, 50, 100, 200, 500, 1000, 2000]

export function LivePage({ sessionId }: { sessionId: string }) {
  const { can } = useAuth()
  const session = useQuery(() => sessionsApi.get(sessionId), [sessionId], { intervalMs: 5000 })
  const { live, snapshot, socketStatus, socketDetail, send } = useSessionStream(sessionId)
  const [scaleIndex, setScaleIndex] = useState(3)
  const [markerNote, setMarkerNote] = useState<string | null>(null)
  const [actionError, setActionError] = useState<Error | null>(null)
  const nowMs = useNow()
  const canOperate = can('admin', 'researcher')

  // Alerts raised before this page opened come from REST; new ones arrive on the socket.
  const initialAlerts = useQuery(() => sessionsApi.alerts(sessionId), [sessionId])
  useEffect(() => {
    const seeded = itemsOf<Alert>(initialAlerts.data).map(liveAlertOf)
    if (seeded.length) live.seedAlerts(seeded)
  }, [initialAlerts.data, live])

  const addMarker = async () => {
    setActionError(null)
    try {
      const marker = await sessionsApi.addMarker(sessionId, 'marker')
      setMarkerNote(`Marker at ${new Date(marker.t_ms).toLocaleTimeString(undefined, { hour12: false })}`)
      void session.reload()
    } catch (err) {
      setActionError(err instanceof ApiError ? err : new Error((err as Error).message))
    }
  }

  const acknowledge = async (alert: LiveAlert) => {
    setActionError(null)
    try {
      // Over the open socket when there is one (the station broadcasts the acknowledgement to every viewer).
      if (!send({ type: 'alert.ack', alertId: alert.id })) {
        await sessionsApi.ackAlert(sessionId, alert.id)
        live.acknowledge(alert.id, Date.now())
      }
    } catch (err) {
      setActionError(err instanceof ApiError ? err : new Error((err as Error).message))
    }
  }

  const s = session.data
  const isRecording = s?.status === 'recording' || s?.status === 'paused'
  useHotkey('m', () => void addMarker(), canOperate && isRecording)
  useHotkey('a', () => {
    const newest = snapshot.alerts.find((a) => !a.acknowledgedAtMs)
    if (newest) void acknowledge(newest)
  }, canOperate)
  useHotkey('+', () => setScaleIndex((i) => Math.max(0, i - 1)))
  useHotkey('-', () => setScaleIndex((i) => Math.min(SCALES_UV.length - 1, i + 1)))

  useEffect(() => {
    if (!markerNote) return
    const timer = setTimeout(() => setMarkerNote(null), 3000)
    return () => clearTimeout(timer)
  }, [markerNote])

  if (!s && session.isLoading) return <Skeleton lines={10} label="Loading live view" />
  if (!s) return <ErrorNote error={session.error} onRetry={() => void session.reload()} />

  const startedMs = s.started_at ? Date.parse(s.started_at) : NaN
  const elapsedMs = (s.ended_at ? Date.parse(s.ended_at) : nowMs) - startedMs
  const status = snapshot.sessionStatus ?? s.status
  const newestSevere = snapshot.alerts.find((a) => !a.acknowledgedAtMs && (a.level === 'severe'))

  return (
    <div className="page live-page" data-testid="live-page">
      <div className="live-head">
        <h2>
          <Link to={`/sessions/${s.id}`}>{s.name}</Link>
        </h2>
        <span className="muted">participant</span> <strong data-testid="live-participant">{s.participant_code}</strong>
        <StatusBadge status={status} testId="live-status" />
        <span className="elapsed" title="Recording time" data-testid="live-elapsed">
          {formatDuration(elapsedMs)}
        </span>
        <span className="header-spacer" />
        {canOperate && isRecording && (
          <button type="button" className="btn btn-marker" onClick={() => void addMarker()} data-testid="add-marker" aria-keyshortcuts="M">
            Marker <kbd>M</kbd>
          </button>
        )}
        {canOperate && <SessionActions session={{ id: s.id, status: s.status }} onChanged={() => void session.reload()} />}
      </div>
      <ConnectionBanner status={socketStatus} detail={socketDetail} what="live data" />
      {markerNote && (
        <div className="toast" role="status" data-testid="marker-toast">
          {markerNote}
        </div>
      )}
      {newestSevere && (
        <div className="banner banner-bad severe-flash" role="alert">
          {newestSevere.level.toUpperCase()}: {newestSevere.message} {canOperate && <span className="muted">(A to acknowledge)</span>}
        </div>
      )}
      <ErrorNote error={actionError} />
      <div className="live-grid">
        <section className="panel traces-panel" aria-label="EEG">
          <div className="traces-toolbar">
            <QualityBadges names={snapshot.channelNames} quality={snapshot.quality} />
            <label className="scale">
              Scale
              <select value={scaleIndex} onChange={(e) => setScaleIndex(Number(e.target.value))} aria-keyshortcuts="+ -" data-testid="trace-scale">
                {SCALES_UV.map((uv, i) => (
                  <option key={uv} value={i}>
                    {uv} µV / row
                  </option>
                ))}
              </select>
            </label>
          </div>
          {snapshot.channelNames.length === 0 && socketStatus === 'open' && <p className="muted waiting">Waiting for EEG… {status !== 'recording' && 'The session is not recording.'}</p>}
          <EegTraces live={live} uvPerRow={SCALES_UV[scaleIndex]} channelNames={snapshot.channelNames} />
          <p className="muted small">
            {snapshot.sampleRateHz ? `${snapshot.channelNames.length} channels @ ${snapshot.sampleRateHz} Hz · 10 s window` : ''}
            {snapshot.gaps > 0 && ` · ${snapshot.gaps} gaps`}
          </p>
        </section>
        <div className="side-column">
          <section className="panel" aria-label="Fatigue">
            <h3>Fatigue</h3>
            <FatigueValue score={snapshot.fatigueScore} level={snapshot.fatigueLevel} />
            <FatigueChart live={live} />
            <FeatureTiles tiles={snapshot.tiles} />
          </section>
          <section className="panel" aria-label="Band power">
            <h3>Band power</h3>
            <BandBars bands={snapshot.bandPowers} />
          </section>
          {s.scenario && (
            <section className="panel" aria-label="Drive">
              <h3>Drive</h3>
              <DriveControl sessionId={s.id} />
            </section>
          )}
          <section className="panel" aria-label="Device">
            <h3>Device</h3>
            <DeviceBox device={snapshot.device} fallbackState={s.device ? undefined : 'no headset bound'} />
          </section>
        </div>
        <section className="panel alerts-panel" aria-label="Alerts">
          <h3>
            Alerts {canOperate && <span className="muted small">(A acknowledges the newest)</span>}
          </h3>
          <AlertTimeline alerts={snapshot.alerts} onAcknowledge={(a) => void acknowledge(a)} canAcknowledge={canOperate} />
        </section>
      </div>
    </div>
  )
}
