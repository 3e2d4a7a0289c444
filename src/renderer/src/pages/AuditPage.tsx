import { useState } from 'react'
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditEventResponse, type AuditTargetType } from '@shared/schemas/audit'
import { auditApi, type AuditFilter } from '../api/endpoints'
import { ApiError } from '../api/http'
import { useAuth } from '../auth/auth-context'
import { EmptyState, ErrorNote, Skeleton, formatTime } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'

const PAGE_SIZE = 50

/** `<input type="datetime-local">` gives local wall time without a zone; the API wants an instant. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined
  const ms = new Date(value).getTime()
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined
}

function detailText(detail: AuditEventResponse['detail']): string {
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${v === null ? '—' : String(v)}`)
    .join(', ')
}

/** Admins only: who did what, when and from where; filters, pages, and the same rows as CSV. */
export function AuditPage() {
  const { can } = useAuth()
  const [page, setPage] = useState(0)
  const [action, setAction] = useState<AuditAction | ''>('')
  const [actorEmail, setActorEmail] = useState('')
  const [targetType, setTargetType] = useState<AuditTargetType | ''>('')
  const [targetId, setTargetId] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [downloadError, setDownloadError] = useState<Error | null>(null)
  const [isDownloading, setIsDownloading] = useState(false)

  const filter: AuditFilter = {
    action: action || undefined,
    actor_email: actorEmail.trim() || undefined,
    target_type: targetType || undefined,
    target_id: targetId.trim() || undefined,
    from: localToIso(from),
    to: localToIso(to)
  }
  const key = JSON.stringify(filter)
  const rows = useQuery((signal) => auditApi.list(filter, page * PAGE_SIZE, PAGE_SIZE, signal), [key, page], { enabled: can('admin'), intervalMs: 10_000 })

  if (!can('admin')) return <ErrorNote error={new Error('Only administrators can read the audit trail.')} />

  const change = <T,>(set: (v: T) => void) => (value: T) => {
    set(value)
    setPage(0)
  }

  const download = async () => {
    setDownloadError(null)
    setIsDownloading(true)
    try {
      const csv = await auditApi.csv(filter)
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `vigil-audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`
      document.body.append(a)
      a.click()
      a.remove()
      // Revoked after the click has been handed to the browser's download machinery.
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    } catch (err) {
      setDownloadError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsDownloading(false)
    }
  }

  const list = rows.data?.data ?? []
  const count = rows.data?.count ?? 0
  const isFiltered = Object.values(filter).some((v) => v !== undefined)
  return (
    <div className="page" data-testid="audit-page">
      <div className="page-head">
        <h1>Audit trail</h1>
        <button type="button" className="btn" onClick={() => void download()} disabled={isDownloading} data-testid="audit-download">
          {isDownloading ? 'Preparing…' : 'Download CSV'}
        </button>
      </div>
      <p className="muted">Who did what, when and from where: sign-ins, account changes, sessions, live views, exports, headsets, sync and settings. Never EEG, passwords or tokens.</p>
      <div className="filters" role="search">
        <label>
          Action
          <select value={action} onChange={(e) => change(setAction)(e.target.value as AuditAction | '')} data-testid="audit-filter-action">
            <option value="">all</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          User email
          <input type="search" placeholder="who (exact email)" value={actorEmail} onChange={(e) => change(setActorEmail)(e.target.value)} data-testid="audit-filter-actor" />
        </label>
        <label>
          Target
          <select value={targetType} onChange={(e) => change(setTargetType)(e.target.value as AuditTargetType | '')} data-testid="audit-filter-target-type">
            <option value="">any</option>
            {AUDIT_TARGET_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Target id
          <input type="search" placeholder="session or user id" value={targetId} onChange={(e) => change(setTargetId)(e.target.value)} data-testid="audit-filter-target-id" />
        </label>
        <label>
          From
          <input type="datetime-local" value={from} onChange={(e) => change(setFrom)(e.target.value)} data-testid="audit-filter-from" />
        </label>
        <label>
          Until
          <input type="datetime-local" value={to} onChange={(e) => change(setTo)(e.target.value)} data-testid="audit-filter-to" />
        </label>
      </div>
      <ErrorNote error={downloadError ?? rows.error} onRetry={rows.error ? () => void rows.reload() : undefined} />
      {rows.isLoading && !rows.data ? (
        <Skeleton lines={6} label="Loading the audit trail" />
      ) : list.length === 0 && !rows.error ? (
        <EmptyState title={isFiltered ? 'No audit entry matches these filters' : 'Nothing recorded yet'} />
      ) : (
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>From</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {list.map((row) => (
              <tr key={row.id} data-testid="audit-row" data-action={row.action}>
                <td title={row.time}>{formatTime(row.time)}</td>
                <td>{row.actor_email ?? (row.actor_id ? row.actor_id : 'station')}</td>
                <td>
                  <code>{row.action}</code>
                </td>
                <td>{row.target_type ? `${row.target_type}${row.target_id ? ` ${row.target_id}` : ''}` : '—'}</td>
                <td>{row.client_address ?? '—'}</td>
                <td className="audit-detail">{detailText(row.detail) || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {count > PAGE_SIZE && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
            ← Newer
          </button>
          <span>
            Page {page + 1} of {Math.ceil(count / PAGE_SIZE)} ({count.toLocaleString()} entries)
          </span>
          <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE_SIZE >= count} onClick={() => setPage(page + 1)}>
            Older →
          </button>
        </nav>
      )}
    </div>
  )
}
