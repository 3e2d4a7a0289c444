/** Small building blocks shared by every page: states people meet (loading, empty, error) and dialogs. */
import { useEffect, useRef, type ReactNode } from 'react'
import type { ApiError } from '../../api/http'

export function Skeleton({ lines = 3, label = 'Loading' }: { lines?: number; label?: string }) {
  return (
    <div className="skeleton" role="status" aria-label={label} data-testid="skeleton">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" style={{ width: `${90 - ((i * 17) % 40)}%` }} />
      ))}
    </div>
  )
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state" data-testid="empty-state">
      <h3>{title}</h3>
      {children}
    </div>
  )
}

/** The station's own `detail` text; the code is shown small, for support and bug reports. */
export function ErrorNote({ error, onRetry }: { error: ApiError | Error | null | undefined; onRetry?: () => void }) {
  if (!error) return null
  const code = 'code' in error ? (error as ApiError).code : undefined
  return (
    <div className="error-note" role="alert" data-testid="error-note">
      <span>{error.message}</span>
      {code && <code className="error-code">{code}</code>}
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  )
}

export function Badge({ tone, children, title, testId }: { tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info'; children: ReactNode; title?: string; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  )
}

const STATUS_TONES: Record<string, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  recording: 'ok',
  paused: 'warn',
  planned: 'info',
  completed: 'muted',
  aborted: 'bad',
  streaming: 'ok',
  connecting: 'warn',
  reconnecting: 'warn',
  no_data: 'bad',
  disconnected: 'bad'
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <Badge tone={STATUS_TONES[status] ?? 'muted'} testId={testId}>
      {status}
    </Badge>
  )
}

/** A modal confirmation (native <dialog>: focus trap, Escape to cancel). */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  isDanger,
  onConfirm,
  onCancel
}: {
  title: string
  children?: ReactNode
  confirmLabel: string
  isDanger?: boolean
  onConfirm(): void
  onCancel(): void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className="dialog"
      data-testid="confirm-dialog"
      onCancel={(event) => {
        event.preventDefault()
        onCancel()
      }}
    >
      <h3>{title}</h3>
      <div className="dialog-body">{children}</div>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" className={`btn ${isDanger ? 'btn-danger' : 'btn-primary'}`} onClick={onConfirm} data-testid="confirm-button">
          {confirmLabel}
        </button>
      </div>
    </dialog>
  )
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`
}

export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString(undefined, { hour12: false })
}
