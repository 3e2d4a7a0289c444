import { useState } from 'react'
import { sessionsApi, syncApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import type { SyncStatus } from '@shared/schemas/sync'
import type { Alert } from '../api/types'
import { useAuth } from '../auth/auth-context'
import { ExportPanel } from '../components/ExportPanel'
import { ImpedancePanel } from '../components/devices/ImpedancePanel'
import { MontagePanel } from '../components/devices/MontagePanel'
import { openParticipantScreen } from '../game/participant-screen'
import { SessionActions } from '../components/SessionActions'
import { PauseReasonText } from '../components/PauseReasonText'
import { ConfirmDialog, EmptyState, ErrorNote, Skeleton, StatusBadge, formatDuration, formatTime } from '../components/ui/ui'
import { useNow } from '../hooks/use-now'
import { useQuery } from '../hooks/use-query'
import { Link, navigate } from '../router/router'

export function SessionDetailPage({ sessionId }: { sessionId: string }) {
  const { can } = useAuth()
  const session = useQuery(() => sessionsApi.get(sessionId), [sessionId], { intervalMs: 4000 })
  const alerts = useQuery(() => sessionsApi.alerts(sessionId), [sessionId], { intervalMs: 4000 })
  const sync = useQuery(() => syncApi.status(), [], { intervalMs: 10_000, enabled: can('admin', 'researcher') })
  const [isDeleting, setIsDeleting] = useState(false)
  const [deleteError, setDeleteError] = useState<Error | null>(null)
  const [actionError, setActionError] = useState<Error | null>(null)
  const nowMs = useNow()

  if (session.isLoading && !session.data) return <Skeleton lines={8} label="Loading session" />
  if (!session.data) return <ErrorNote error={session.error} onRetry={() => void session.reload()} />
  const s = session.data
  const isLive = s.status === 'recording' || s.status === 'paused'
  const isOpen = isLive || s.status === 'planned'
  // The station's rule for this user and this session (docs/sessions.md), not a guess from the role.
  const allowed = new Set(s.allowed_actions)
  const durationMs = s.started_at ? (s.ended_at ? Date.parse(s.ended_at) : nowMs) - Date.parse(s.started_at) : NaN

  const remove = async () => {
    setIsDeleting(false)
    try {
      await sessionsApi.remove(sessionId)
      navigate('/sessions', { replace: true })
    } catch (err) {
      setDeleteError(err instanceof ApiError ? err : new Error((err as Error).message))
    }
  }

  return (
    <div className="page" data-testid="session-detail">
      <div className="page-head">
        <h1>
          {s.name} <StatusBadge status={s.status} testId="session-status" />
        </h1>
        <div className="head-actions">
          {isLive && (
            <Link to={`/sessions/${s.id}/live`} className="btn btn-primary" data-testid="open-live">
              Live view
            </Link>
          )}
          <SessionActions session={s} onChanged={() => void session.reload()} onError={setActionError} />
        </div>
      </div>
      {!allowed.has('change_status') && (
        <p className="muted small view-only" data-testid="view-only-note">
          View only: this session belongs to another user. You can watch it, acknowledge its alerts and export it; only its creator or an admin can change, drive or delete it.
        </p>
      )}
      {s.pause_reason && (
        <div className="banner banner-warn" role="status">
          <PauseReasonText reason={s.pause_reason} />
        </div>
      )}
      <ErrorNote error={session.error} />
      <ErrorNote error={actionError} />
      <div className="grid-2">
        <section className="panel" aria-labelledby="meta-title">
          <h3 id="meta-title">Session</h3>
          <dl className="meta">
            <dt>Participant</dt>
            <dd data-testid="detail-participant">{s.participant_code}</dd>
            <dt>Scenario</dt>
            <dd>{s.scenario ? `${s.scenario.id} (seed ${s.scenario.seed})` : '—'}</dd>
            <dt>Headset</dt>
            <dd>{s.device ? `${s.device.kind}${s.device.port ? ` on ${s.device.port}` : ''}, ${s.device.channel_names.length} ch @ ${s.device.sample_rate_hz} Hz` : '—'}</dd>
            <dt>Created</dt>
            <dd>{formatTime(s.created_at)}</dd>
            <dt>Started</dt>
            <dd>{formatTime(s.started_at)}</dd>
            <dt>Ended</dt>
            <dd>{formatTime(s.ended_at)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(durationMs)}</dd>
            <dt>Station</dt>
            <dd className="mono">{s.station_id}</dd>
            <dt>Notes</dt>
            <dd className="notes">{s.notes || '—'}</dd>
          </dl>
          {allowed.has('send_data') && isOpen && (
            <p data-testid="participant-screen-links">
              Participant screen:{' '}
              <button type="button" className="btn btn-small" onClick={() => openParticipantScreen(s.id)} data-testid="open-participant-screen">
                Open in its own window
              </button>{' '}
              <span className="muted">
                or <Link to={`/drive/${s.id}`}>/drive/{s.id}</Link> on another machine
              </span>
            </p>
          )}
        </section>
        <section className="panel" aria-labelledby="counters-title">
          <h3 id="counters-title">Recorded</h3>
          <div className="tiles" data-testid="counters">
            <Tile label="EEG samples" value={s.counters.samples.toLocaleString()} />
            <Tile label="Face events" value={s.counters.face_events.toLocaleString()} />
            <Tile label="Game events" value={s.counters.game_events.toLocaleString()} />
            <Tile label="Alerts" value={s.counters.alerts.toLocaleString()} />
            <Tile label="Markers" value={String(s.markers.length)} />
          </div>
          {s.headset_outages.length > 0 && (
            <p className="text-bad" data-testid="headset-outages-summary">
              Headset away {s.headset_outages.length === 1 ? 'once' : `${s.headset_outages.length} times`}, {formatDuration(s.headset_outages.reduce((sum, o) => sum + o.seconds, 0) * 1000)}{' '}
              without EEG:{' '}
              {s.headset_outages.map((o) => `${formatTime(o.from)} – ${o.to ? formatTime(o.to) : 'still away'}`).join('; ')}.
            </p>
          )}
          {can('admin', 'researcher') && (
            <>
              <h3>Sync to central database</h3>
              <SyncSummary status={sync.data} error={sync.error} />
            </>
          )}
        </section>
      </div>
      <div className="grid-2">
        <section className="panel" aria-labelledby="markers-title">
          <h3 id="markers-title">Markers</h3>
          {s.markers.length === 0 ? (
            <EmptyState title="No markers">{isLive && <p>Press M in the live view to drop one.</p>}</EmptyState>
          ) : (
            <ol className="event-list" data-testid="markers-list">
              {s.markers.map((m) => (
                <li key={m.id}>
                  <time>{formatTime(m.t_ms)}</time> <strong>{m.label}</strong> {m.value && <span className="muted">{m.value}</span>}
                </li>
              ))}
            </ol>
          )}
        </section>
        <section className="panel" aria-labelledby="alerts-title">
          <h3 id="alerts-title">Alerts</h3>
          <ErrorNote error={alerts.error} />
          {alerts.isLoading && !alerts.data ? <Skeleton lines={2} label="Loading alerts" /> : <AlertList alerts={alerts.data?.data ?? []} />}
        </section>
      </div>
      {can('admin', 'researcher') && <MontagePanel sessionId={s.id} canEdit={s.status === 'planned' && s.allowed_actions.includes('edit')} />}
      {can('admin', 'researcher') && <ImpedancePanel sessionId={s.id} canCheck={s.status === 'planned' || s.status === 'paused'} />}
      <ExportPanel sessionId={s.id} hasSamples={s.counters.samples > 0} />
      {allowed.has('delete') && (
        <section className="panel danger-zone">
          <h3>Delete</h3>
          <p className="muted">Deleting removes the session and all its recorded data from this station{isLive ? '. Stop the recording first.' : '.'}</p>
          <ErrorNote error={deleteError} />
          <button type="button" className="btn btn-danger" onClick={() => setIsDeleting(true)} data-testid="delete-session">
            Delete session
          </button>
        </section>
      )}
      {isDeleting && (
        <ConfirmDialog title={`Delete “${s.name}”?`} confirmLabel="Delete" isDanger onConfirm={() => void remove()} onCancel={() => setIsDeleting(false)}>
          <p>
            {s.counters.samples.toLocaleString()} samples, {s.markers.length} markers and {s.counters.alerts} alerts of participant {s.participant_code} will be deleted. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  )
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div className="tile">
      <span className="tile-value">{value}</span>
      <span className="tile-label">{label}</span>
    </div>
  )
}

function AlertList({ alerts }: { alerts: Alert[] }) {
  if (alerts.length === 0) return <EmptyState title="No alerts" />
  return (
    <ol className="event-list" data-testid="alerts-list">
      {alerts.map((a) => (
        <li key={a.id} className={`level-${a.severity}`}>
          <time>{formatTime(a.t_ms)}</time> <strong>{a.severity}</strong> {a.message || a.type}
          {a.acknowledged_at ? <span className="muted"> · acknowledged {formatTime(a.acknowledged_at)}</span> : <span className="badge badge-warn">unacknowledged</span>}
        </li>
      ))}
    </ol>
  )
}

export function SyncSummary({ status, error }: { status: SyncStatus | undefined; error: ApiError | null }) {
  if (error) return <ErrorNote error={error} />
  if (!status) return <Skeleton lines={2} label="Loading sync state" />
  // The station reports its whole backlog, not per session: say so rather than imply this session's state.
  return (
    <p data-testid="sync-summary">
      {status.state === 'disabled'
        ? 'No central database configured; data stays on this station.'
        : status.pending_total === 0
          ? `Station fully synced${status.last_success_at ? ` (last ${formatTime(status.last_success_at)})` : ''}.`
          : `${status.pending_exact ? '' : '≈ '}${status.pending_total.toLocaleString()} rows of this station waiting to sync (${status.state}).`}
      {status.last_error && <span className="text-bad"> Last error: {status.last_error.message}</span>}
    </p>
  )
}
