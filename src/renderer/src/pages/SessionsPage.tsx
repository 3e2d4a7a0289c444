import { useState, type FormEvent } from 'react'
import { sessionsApi } from '../api/endpoints'
import { api, ApiError } from '../api/http'
import { SESSION_STATUSES, type Session, type SessionStatus } from '../api/types'
import { useAuth } from '../auth/auth-context'
import { EmptyState, ErrorNote, Skeleton, StatusBadge, formatTime } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'
import { bundledScenarios } from '../game'
import { useParticipantConsent } from '../components/ParticipantConsent'
import { Link, navigate } from '../router/router'

const PAGE_SIZE = 20

export function SessionsPage() {
  const { can } = useAuth()
  const [page, setPage] = useState(0)
  const [status, setStatus] = useState<SessionStatus | ''>('')
  const [participant, setParticipant] = useState('')
  const [isCreating, setIsCreating] = useState(false)
  const query = useQuery((signal) => api.get<{ data: Session[]; count: number }>('/sessions', { skip: page * PAGE_SIZE, limit: PAGE_SIZE, status, participant_code: participant.trim() }, signal), [page, status, participant], {
    intervalMs: 5000
  })
  const sessions = query.data?.data ?? []
  const count = query.data?.count ?? 0
  const pageCount = Math.max(1, Math.ceil(count / PAGE_SIZE))

  return (
    <div className="page">
      <div className="page-head">
        <h1>Sessions</h1>
        {can('admin', 'researcher') && (
          <button type="button" className="btn btn-primary" onClick={() => setIsCreating(true)} data-testid="new-session">
            New session
          </button>
        )}
      </div>
      {isCreating && <CreateSessionForm onCancel={() => setIsCreating(false)} />}
      <div className="filters" role="search">
        <label>
          Status
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as SessionStatus | '')
              setPage(0)
            }}
            data-testid="filter-status"
          >
            <option value="">all</option>
            {SESSION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Participant
          <input
            type="search"
            placeholder="participant code"
            value={participant}
            onChange={(e) => {
              setParticipant(e.target.value)
              setPage(0)
            }}
            data-testid="filter-participant"
          />
        </label>
      </div>
      <ErrorNote error={query.error} onRetry={() => void query.reload()} />
      {query.isLoading && !query.data ? (
        <Skeleton lines={6} label="Loading sessions" />
      ) : sessions.length === 0 && !query.error ? (
        <EmptyState title={status || participant ? 'No session matches these filters' : 'No sessions yet'}>
          {can('admin', 'researcher') && !status && !participant && <p>Create one with “New session”.</p>}
        </EmptyState>
      ) : (
        <table className="table" data-testid="sessions-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Participant</th>
              <th>Status</th>
              <th>Created</th>
              <th>Samples</th>
              <th>Alerts</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.id} data-testid="session-row">
                <td data-label="Name">
                  <Link to={`/sessions/${session.id}`}>{session.name}</Link>
                </td>
                <td data-label="Participant">{session.participant_code}</td>
                <td data-label="Status">
                  <StatusBadge status={session.status} />
                </td>
                <td data-label="Created">{formatTime(session.created_at)}</td>
                <td data-label="Samples" className="num">{session.counters?.samples?.toLocaleString() ?? '—'}</td>
                <td data-label="Alerts" className="num">{session.counters?.alerts ?? '—'}</td>
                <td>
                  {(session.status === 'recording' || session.status === 'paused') && (
                    <Link to={`/sessions/${session.id}/live`} className="btn btn-small">
                      Live
                    </Link>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {count > PAGE_SIZE && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
            ← Previous
          </button>
          <span>
            Page {page + 1} of {pageCount} ({count} sessions)
          </span>
          <button type="button" className="btn btn-small" disabled={page + 1 >= pageCount} onClick={() => setPage(page + 1)}>
            Next →
          </button>
        </nav>
      )}
    </div>
  )
}

function CreateSessionForm({ onCancel }: { onCancel(): void }) {
  const [name, setName] = useState('')
  const [participant, setParticipant] = useState('')
  const [scenarioId, setScenarioId] = useState('')
  const [notes, setNotes] = useState('')
  const [error, setError] = useState<Error | null>(null)
  const [isBusy, setIsBusy] = useState(false)
  const consent = useParticipantConsent(participant)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setIsBusy(true)
    setError(null)
    try {
      // Consent is recorded before the session exists: recording is refused without it.
      await consent.save()
      const created = await sessionsApi.create({
        name: name.trim() || `${participant.trim()} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
        participant_code: participant.trim(),
        notes,
        // A fresh seed per session; the seed is stored, so the drive can be replayed exactly.
        scenario: scenarioId ? { id: scenarioId, seed: Math.floor(Math.random() * 0x7fffffff) } : null
      })
      navigate(`/sessions/${created.id}`)
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
      setIsBusy(false)
    }
  }

  return (
    <form className="panel create-form" onSubmit={submit} data-testid="create-session-form" aria-label="New session">
      <label>
        Participant code
        <input required pattern="[A-Za-z0-9_\-]+" title="Letters, digits, - or _ (a pseudonymous code, not a name)" value={participant} onChange={(e) => setParticipant(e.target.value)} autoFocus data-testid="session-participant" />
      </label>
      {consent.fields}
      <label>
        <span>
          Name <span className="muted">(optional)</span>
        </span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Night drive, block 2" data-testid="session-name" />
      </label>
      <label>
        Scenario
        <select value={scenarioId} onChange={(e) => setScenarioId(e.target.value)} data-testid="session-scenario">
          <option value="">none (EEG only)</option>
          {bundledScenarios.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({Math.round(s.durationS / 60)} min)
            </option>
          ))}
        </select>
      </label>
      <label className="wide">
        Notes
        <textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} data-testid="session-notes" />
      </label>
      <ErrorNote error={error} />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={isBusy} data-testid="create-session-submit">
          Create session
        </button>
      </div>
    </form>
  )
}
