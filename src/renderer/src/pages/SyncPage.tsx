import { useState } from 'react'
import { syncApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import { Badge, EmptyState, ErrorNote, Skeleton, formatDuration, formatTime } from '../components/ui/ui'
import { Link } from '../router/router'
import { useQuery } from '../hooks/use-query'

const STATE_TONES = { disabled: 'muted', idle: 'ok', syncing: 'info', backoff: 'warn', stopped: 'muted' } as const

/** Sync to the central database: pending rows per table, progress, rate, last error, "Sync now". */
export function SyncPage() {
  const status = useQuery(() => syncApi.status(), [], { intervalMs: 2000 })
  const [isBusy, setIsBusy] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const s = status.data

  const runNow = async () => {
    setIsBusy(true)
    setError(null)
    try {
      await syncApi.run()
      await status.reload()
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsBusy(false)
    }
  }

  // Progress of the backlog: synced since start over synced + still pending.
  const total = s ? s.synced_total + s.pending_total : 0
  const progress = s && total > 0 ? s.synced_total / total : s ? 1 : 0
  const tables = s ? Object.entries(s.pending).sort((a, b) => b[1] - a[1]) : []

  return (
    <div className="page" data-testid="sync-page">
      <div className="page-head">
        <h1>Sync</h1>
        <button type="button" className="btn btn-primary" onClick={() => void runNow()} disabled={isBusy || !s || s.state === 'disabled'} data-testid="sync-now">
          {isBusy ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      <ErrorNote error={error} />
      <ErrorNote error={status.error} onRetry={() => void status.reload()} />
      {status.isLoading && !s ? (
        <Skeleton lines={5} label="Loading sync status" />
      ) : s ? (
        <section className="panel">
          <p>
            <Badge tone={STATE_TONES[s.state]} testId="sync-state">
              {s.state}
            </Badge>{' '}
            {s.state === 'disabled' ? (
              <span>No central database is configured. Start the station with --central-url postgres://… to sync.</span>
            ) : (
              <span className="mono">{s.central}</span>
            )}
          </p>
          <div className="progress" role="progressbar" aria-label="Synced share of the backlog" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress * 100)} data-testid="sync-progress">
            <span style={{ width: `${(progress * 100).toFixed(1)}%` }} />
          </div>
          <div className="tiles">
            <div className="tile">
              <span className="tile-value" data-testid="sync-pending" title={s.pending_exact ? undefined : 'Estimated from row ids: a large backlog is not counted row by row'}>
                {s.pending_exact ? '' : '≈ '}
                {s.pending_total.toLocaleString()}
              </span>
              <span className="tile-label">Pending rows</span>
            </div>
            <div className="tile">
              <span className="tile-value">{s.synced_total.toLocaleString()}</span>
              <span className="tile-label">Synced since start</span>
            </div>
            <div className="tile">
              <span className="tile-value">{Math.round(s.rows_per_s).toLocaleString()}/s</span>
              <span className="tile-label">Rate</span>
            </div>
            <div className="tile">
              <span className="tile-value">{s.eta_s === null ? '—' : formatDuration(s.eta_s * 1000)}</span>
              <span className="tile-label">Time left</span>
            </div>
            <div className="tile">
              <span className="tile-value">{s.quarantined.toLocaleString()}</span>
              <span className="tile-label">Quarantined rows</span>
            </div>
          </div>
          <dl className="meta">
            <dt>Last success</dt>
            <dd>{formatTime(s.last_success_at)}</dd>
            <dt>Last error</dt>
            <dd className={s.last_error ? 'text-bad' : ''} data-testid="sync-last-error">
              {s.last_error ? `${s.last_error.message} (${s.last_error.code}, ${formatTime(s.last_error.at)})` : 'none'}
            </dd>
            {s.next_retry_at && (
              <>
                <dt>Next retry</dt>
                <dd>
                  {formatTime(s.next_retry_at)} (after {s.consecutive_failures} failures)
                </dd>
              </>
            )}
          </dl>
          <h3>Pending by table</h3>
          {tables.every(([, n]) => n === 0) ? (
            <EmptyState title="Nothing waiting" />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Table</th>
                  <th className="num">Pending rows</th>
                </tr>
              </thead>
              <tbody>
                {tables.map(([table, count]) => (
                  <tr key={table}>
                    <td data-label="Table" className="mono">{table}</td>
                    <td data-label="Pending rows" className="num">{count.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s.consent_held > 0 && (
            <>
              <h3>Waiting for consent</h3>
              <p className="muted" data-testid="sync-consent-held">
                {s.consent_held} session(s) stay on this station: their participant has not consented to central sync. Record the consent on the
                participant and they go with the next sync.
              </p>
              <ul className="event-list">
                {s.recent_consent_held.map((held) => (
                  <li key={held.session_id}>
                    <time>{formatTime(held.held_at)}</time> participant <span className="mono">{held.participant_code ?? '(session deleted)'}</span>{' '}
                    <Link to={`/sessions/${held.session_id}`}>session</Link>
                  </li>
                ))}
              </ul>
            </>
          )}
          {s.recent_quarantined.length > 0 && (
            <>
              <h3>Recently quarantined</h3>
              <ul className="event-list">
                {s.recent_quarantined.map((row) => (
                  <li key={`${row.stream}:${row.local_id}`}>
                    <time>{formatTime(row.quarantined_at)}</time> <span className="mono">{row.stream}</span> {row.error}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      ) : null}
    </div>
  )
}
