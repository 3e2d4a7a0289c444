import { useEffect, useState } from 'react'
import { itemsOf, sessionsApi, syncApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import { useAuth } from '../auth/auth-context'
import type { Alert } from '../api/types'
import { PauseReasonText } from '../components/PauseReasonText'
import { SessionActions } from '../components/SessionActions'
import { EegTraces } from '../components/live/EegTraces'
import { FatigueChart } from '../components/live/FatigueChart'
import { StatusStrip } from '../components/live/StatusStrip'
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
  const session = useQuery(() => sessionsApi.get(sessionId), [sessionId], { intervalMs: 5000 })
  const { live, snapshot, socketStatus, socketDetail, send } = useSessionStream(sessionId)
  const [scaleIndex, setScaleIndex] = useState(3)
  const [markerNote, setMarkerNote] = useState<string | null>(null)
  const [actionError, setActionError] = useState<Error | null>(null)
  const nowMs = useNow()
  // What this user may do comes from the station's rule (allowed_actions), never from the role alone.
  const allowed = new Set(session.data?.allowed_actions ?? [])
  const canAcknowledge = allowed.has('acknowledge_alert')

  // Alerts raised before this page opened come from REST; new ones arrive on the socket.
  const initialAlerts = useQuery(() => sessionsApi.alerts(sessionId), [sessionId])
  useEffect(() => {
    const seeded = itemsOf<Alert>(initialAlerts.data).map(liveAlertOf)
    if (seeded.length) live.seedAlerts(seeded)
  }, [initialAlerts.data, live])

  // The last EEG window, the fatigue curve and the tiles from the station, so a viewer joining late
  // (or reloading) sees the trend at once; the stream carries on from there. Once per open.
  const history = useQuery(() => sessionsApi.liveHistory(sessionId), [sessionId])
  // The session's montage names the channels when it fits the stream (display only: data keep the headset's order).
  const montage = useQuery(() => sessionsApi.montage(sessionId), [sessionId])
  const montageLabels = montage.data?.is_stored ? montage.data.electrodes.map((e) => e.label) : null
  const channelNames = montageLabels && montageLabels.length === snapshot.channelNames.length ? montageLabels : snapshot.channelNames
  useEffect(() => {
    if (history.data) live.seedHistory(history.data)
  }, [history.data, live])

  // The sync backlog for the status strip: the stream sends sync status only when it changes, so a
  // researcher or admin (who may read it) also polls it; others see what the stream brings, if anything.
  const { can } = useAuth()
  const syncStatus = useQuery(() => syncApi.status(), [], { intervalMs: 15_000, enabled: can('researcher', 'admin') })
  useEffect(() => {
    if (syncStatus.data) live.noteSyncStatus(syncStatus.data)
  }, [syncStatus.data, live])

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
    live.dismissRefusal()
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
  // The socket's status is newer than the page's last REST poll.
  const knownStatus = snapshot.sessionStatus ?? s?.status
  const isLive = knownStatus === 'recording' || knownStatus === 'paused'
  const isReachable = socketStatus === 'open'
  const canMark = allowed.has('add_marker') && isLive && isReachable
  useHotkey('m', () => void addMarker(), canMark)
  useHotkey('a', () => {
    const newest = snapshot.alerts.find((a) => !a.acknowledgedAtMs)
    if (newest) void acknowledge(newest)
  }, canAcknowledge)
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
  const status = snapshot.sessionStatus ?? s.status
  // The clock runs only while the station says it records and can be heard; otherwise it holds still.
  const endMs = s.ended_at
    ? Date.parse(s.ended_at)
    : status === 'paused'
      ? frozenAtMs(s.updated_at, nowMs)
      : status === 'recording' && !isReachable && snapshot.lastMessageAtMs > 0
        ? snapshot.lastMessageAtMs // the last moment the station was heard recording
        : nowMs
  const elapsedMs = endMs - startedMs
  // A SEVERE banner asks for action now: only while the session runs.
  const newestSevere = isLive ? snapshot.alerts.find((a) => !a.acknowledgedAtMs && a.level === 'severe') : undefined
  const mayChange = allowed.has('change_status')
  const refusal = snapshot.refusal

  return (
    <div className="page live-page" data-testid="live-page">
      <div className="live-head">
        <h1>
          <Link to={`/sessions/${s.id}`}>{s.name}</Link>
        </h1>
        <span className="muted">participant</span> <strong data-testid="live-participant">{s.participant_code}</strong>
        {isReachable || socketStatus === 'connecting' ? (
          <StatusBadge status={status} testId="live-status" />
        ) : (
          // While the station cannot be heard its last word may be stale: say so instead of "recording".
          <span className="badge badge-muted" data-testid="live-status" title={`Last known: ${status}`}>
            unknown (station unreachable)
          </span>
        )}
        <span className="elapsed" title="Recording time" data-testid="live-elapsed">
          {formatDuration(elapsedMs)}
        </span>
        <span className="header-spacer" />
        {canMark && (
          <button type="button" className="btn btn-marker" onClick={() => void addMarker()} data-testid="add-marker" aria-keyshortcuts="M">
            Marker <kbd>M</kbd>
          </button>
        )}
        <SessionActions session={{ id: s.id, status: status === 'deleted' ? s.status : status, allowed_actions: s.allowed_actions }} onChanged={() => void session.reload()} onError={setActionError} />
      </div>
      <StatusStrip
        strip={snapshot.strip}
        device={snapshot.device}
        isReachable={isReachable}
        nowMs={nowMs}
        statusText={isReachable || socketStatus === 'connecting' ? status : 'unknown (station unreachable)'}
        clockText={formatDuration(elapsedMs)}
        hasScenario={Boolean(s.scenario)}
      />
      {!mayChange && (status === 'planned' || isLive) && (
        <p className="muted small view-only" data-testid="view-only-note">
          View only: this session belongs to another user. You can watch it, acknowledge its alerts and export it; only its creator or an admin can add markers, pause, stop,
          drive or delete it.
        </p>
      )}
      {status === 'paused' && (
        <div className="banner banner-warn" role="status" data-testid="paused-banner">
          {s.pause_reason && status === s.status ? <PauseReasonText reason={s.pause_reason} /> : 'Paused: nothing is being recorded.'}{' '}
          {mayChange ? 'Resume to record again.' : 'Its creator or an admin can resume it.'}
        </div>
      )}
      <ConnectionBanner status={socketStatus} detail={socketDetail} what="live data" />
      {markerNote && (
        <div className="toast" role="status" data-testid="marker-toast">
          {markerNote}
        </div>
      )}
      {newestSevere && (
        <div className="banner banner-bad severe-flash" role="alert">
          {newestSevere.level.toUpperCase()}: {newestSevere.message} {canAcknowledge && <span className="muted">(A to acknowledge)</span>}
        </div>
      )}
      <ErrorNote error={actionError} />
      {snapshot.headsetDownSinceMs !== null && isLive && isReachable && (
        <div className="banner banner-bad" role="alert" data-testid="headset-down-banner">
          Headset {snapshot.device?.state ?? 'disconnected'} since {new Date(snapshot.headsetDownSinceMs).toLocaleTimeString(undefined, { hour12: false })}: no EEG is being
          recorded for this session ({formatDuration(nowMs - snapshot.headsetDownSinceMs)} so far).{' '}
          {snapshot.device?.state === 'disconnected' ? 'Connect it again on the Devices page.' : 'The station is trying to get it back.'}
        </div>
      )}
      {refusal && (
        <div className="error-note" role="alert" data-testid="refusal-note">
          <span>
            The station refused {refusal.inReplyTo ? <code>{refusal.inReplyTo}</code> : 'a request'}: {refusal.message}
          </span>
          <button type="button" className="btn btn-small" onClick={() => live.dismissRefusal()}>
            Dismiss
          </button>
        </div>
      )}
      <div className="live-grid">
        <section className="panel traces-panel" aria-label="EEG">
          <div className="traces-toolbar">
            <QualityBadges names={channelNames} quality={snapshot.quality} />
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
          <div className="traces-wrap">
            <EegTraces live={live} uvPerRow={SCALES_UV[scaleIndex]} channelNames={channelNames} />
            {status !== 'recording' && snapshot.channelNames.length > 0 && (
              // The headset may keep streaming to this view while nothing is stored: the traces must not look recorded.
              <div className="traces-mark" data-testid="not-recording-mark">
                Not recording ({status === 'deleted' ? 'session deleted' : status}): these traces are not stored
              </div>
            )}
          </div>
          <p className="muted small">
            {snapshot.sampleRateHz ? `${snapshot.channelNames.length} channels @ ${snapshot.sampleRateHz} Hz · 10 s window` : ''}
            {snapshot.gaps > 0 && ` · ${snapshot.gaps} gaps`}
          </p>
          {snapshot.history && (snapshot.history.eegSamples > 0 || snapshot.history.fatiguePoints > 0) && (
            <p className="muted small" data-testid="history-note">
              Filled from the station on open: {snapshot.history.eegSamples > 0 ? `the last ${formatSeconds(snapshot.history.eegSamples / (snapshot.sampleRateHz || 1))} of EEG` : 'no stored EEG'}
              {snapshot.history.fatiguePoints > 0 ? `, ${snapshot.history.fatiguePoints} fatigue points` : ''}.
            </p>
          )}
          {history.error && (
            <p className="muted small" data-testid="history-error">
              The stored history could not be loaded ({history.error.message}); the view shows live data only.
            </p>
          )}
          {snapshot.headsetOutages.length > 0 && (
            <p className="text-bad small" data-testid="headset-outages">
              The headset stopped streaming {snapshot.headsetOutages.length === 1 ? 'once' : `${snapshot.headsetOutages.length} times`} while this view was open, for{' '}
              {formatDuration(snapshot.headsetOutages.reduce((sum, o) => sum + o.toMs - o.fromMs, 0))} in all (
              {snapshot.headsetOutages.map((o) => `${new Date(o.fromMs).toLocaleTimeString(undefined, { hour12: false })}–${new Date(o.toMs).toLocaleTimeString(undefined, { hour12: false })}`).join(', ')}
              ): no EEG was recorded in those spans.
            </p>
          )}
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
          {s.scenario && allowed.has('send_data') && isLive && (
            <section className="panel" aria-label="Drive">
              <h3>Drive</h3>
              <DriveControl sessionId={s.id} />
            </section>
          )}
          <section className="panel" aria-label="Device">
            <h3>Device</h3>
            {/* The last device state heard is stale while the station cannot be reached: never show it as current. */}
            <DeviceBox device={isReachable ? snapshot.device : null} fallbackState={!isReachable && socketStatus !== 'connecting' ? 'unknown (station unreachable)' : s.device ? undefined : 'no headset bound'} />
          </section>
        </div>
        <section className="panel alerts-panel" aria-label="Alerts">
          <h3>
            Alerts {canAcknowledge && <span className="muted small">(A acknowledges the newest)</span>}
          </h3>
          <AlertTimeline alerts={snapshot.alerts} onAcknowledge={(a) => void acknowledge(a)} canAcknowledge={canAcknowledge} />
        </section>
      </div>
    </div>
  )
}

function formatSeconds(s: number): string {
  return `${s >= 10 ? Math.round(s) : s.toFixed(1)} s`
}

/** Where a stopped clock stands: the session's last change (a pause, a stop) if known, else now. */
function frozenAtMs(updatedAt: string, nowMs: number): number {
  const t = Date.parse(updatedAt)
  return Number.isFinite(t) ? Math.min(t, nowMs) : nowMs
}

