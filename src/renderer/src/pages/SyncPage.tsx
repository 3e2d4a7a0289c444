import { useEffect, useRef, useState } from 'react'
import { syncApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import { Badge, ErrorNote, Skeleton, formatTime } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'

type Json = Record<string, unknown>
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Pending rows, progress, rate and the last error of the sync to the central database; "Sync now". */
export function SyncPage() {
  const status = useQuery(() => syncApi.status(), [], { intervalMs: 2000 })
  const [isBusy, setIsBusy] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  // Rate measured here from successive polls when the station does not report one.
  const previous = useRef<{ atMs: number; synced: number } | null>(null)
  const [measuredRate, setMeasuredRate] = useState<number | null>(null)

  const s = (status.data ?? {}) as Json
  const pending = num(s.pending_rows ?? s.pending)
  const synced = num(s.synced_rows ?? s.synced ?? s.rows_synced)
  useEffect(() => {
    if (synced === null) return
    const now = Date.now()
    const last = previous.current
    if (last && synced >= last.synced && now > last.atMs) setMeasuredRate(((synced - last.synced) * 1000) / (now - last.atMs))
    previous.current = { atMs: now, synced }
  }, [synced])
  const rate = num(s.rate_rows_per_s ?? s.rows_per_s ?? s.rate) ?? measuredRate
  const total = pending !== null && synced !== null ? pending + synced : null
  const progress = num(s.progress) ?? (total ? synced! / total : null)
  const isRunning = s.state === 'running' || s.running === true || s.is_running === true
  const isConfigured = s.configured !== false && s.is_configured !== false
  const lastError = typeof s.last_error === 'string' ? s.last_error : s.last_error && typeof s.last_error === 'object' ? String((s.last_error as Json).message ?? JSON.stringify(s.last_error)) : null

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

  return (
    <div className="page" data-testid="sync-page">
      <div className="page-head">
        <h2>Sync</h2>
        <button type="button" className="btn btn-primary" onClick={() => void runNow()} disabled={isBusy || !status.data || !isConfigured} data-testid="sync-now">
          {isBusy ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      <ErrorNote error={error} />
      {status.error?.status === 404 ? (
        <p className="muted">This station does not offer the sync API yet (GET /api/v1/sync/status answered 404).</p>
      ) : status.isLoading && !status.data ? (
        <Skeleton lines={5} label="Loading sync status" />
      ) : (
        <section className="panel">
          <ErrorNote error={status.error} />
          {!isConfigured && <p>No central database is configured. Start the station with --central-url postgres://… to sync.</p>}
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress === null ? undefined : Math.round(progress * 100)} data-testid="sync-progress">
            <span style={{ width: `${((progress ?? 0) * 100).toFixed(1)}%` }} />
          </div>
          <div className="tiles">
            <div className="tile">
              <span className="tile-value" data-testid="sync-pending">
                {pending?.toLocaleString() ?? '—'}
              </span>
              <span className="tile-label">Pending rows</span>
            </div>
            <div className="tile">
              <span className="tile-value">{synced?.toLocaleString() ?? '—'}</span>
              <span className="tile-label">Synced rows</span>
            </div>
            <div className="tile">
              <span className="tile-value">{rate === null ? '—' : `${Math.round(rate).toLocaleString()}/s`}</span>
              <span className="tile-label">Rate</span>
            </div>
            <div className="tile">
              <span className="tile-value">
                <Badge tone={lastError ? 'bad' : isRunning ? 'warn' : 'ok'}>{isRunning ? 'running' : lastError ? 'error' : String(s.state ?? 'idle')}</Badge>
              </span>
              <span className="tile-label">State</span>
            </div>
          </div>
          <dl className="meta">
            <dt>Last success</dt>
            <dd>{formatTime((s.last_success_at ?? s.last_synced_at ?? null) as string | null)}</dd>
            <dt>Last error</dt>
            <dd className={lastError ? 'text-bad' : ''} data-testid="sync-last-error">
              {lastError ?? 'none'}
            </dd>
          </dl>
          {Array.isArray(s.streams) && (
            <table className="table">
              <thead>
                <tr>
                  <th>Stream</th>
                  <th>Pending</th>
                </tr>
              </thead>
              <tbody>
                {(s.streams as Json[]).map((row, i) => (
                  <tr key={String(row.stream ?? row.name ?? i)}>
                    <td>{String(row.stream ?? row.name ?? i)}</td>
                    <td className="num">{num(row.pending ?? row.pending_rows)?.toLocaleString() ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  )
}
