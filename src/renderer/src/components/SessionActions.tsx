import { useState } from 'react'
import type { ImpedanceCheckResponse } from '@shared/schemas/impedance'
import { devicesApi, sessionsApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import type { Session, SessionStatus } from '../api/types'
import { ConfirmDialog, ErrorNote } from './ui/ui'

interface Action {
  label: string
  to: SessionStatus
  tone: 'primary' | 'plain' | 'danger'
  /** Ending a recording cannot be undone, so it asks first. */
  needsConfirm?: boolean
}

/** The lifecycle buttons valid in each status (the station enforces the same table). */
const ACTIONS: Record<SessionStatus, Action[]> = {
  planned: [
    { label: 'Start recording', to: 'recording', tone: 'primary' },
    { label: 'Abort', to: 'aborted', tone: 'danger', needsConfirm: true }
  ],
  recording: [
    { label: 'Pause', to: 'paused', tone: 'plain' },
    { label: 'Stop', to: 'completed', tone: 'danger', needsConfirm: true }
  ],
  paused: [
    { label: 'Resume', to: 'recording', tone: 'primary' },
    { label: 'Stop', to: 'completed', tone: 'danger', needsConfirm: true }
  ],
  completed: [],
  aborted: []
}

/**
 * The lifecycle buttons of a session the user may change (`allowed_actions` has `change_status`);
 * nothing otherwise, the page explains why. A refusal goes to `onError` when given, so the page shows
 * it below its header instead of inside the row of buttons.
 */
export function SessionActions({
  session,
  onChanged,
  onError
}: {
  session: Pick<Session, 'id' | 'status' | 'allowed_actions'>
  onChanged(session: Session): void
  onError?(error: Error | null): void
}) {
  const [pending, setPending] = useState<Action | null>(null)
  // Recording with bad electrodes asks first; going ahead is stored with the failed check.
  const [gate, setGate] = useState<{ action: Action; check: ImpedanceCheckResponse } | null>(null)
  const [isBusy, setIsBusy] = useState(false)
  const [ownError, setOwnError] = useState<Error | null>(null)
  const setError = onError ?? setOwnError
  const error = onError ? null : ownError

  const run = async (action: Action) => {
    setPending(null)
    setIsBusy(true)
    setError(null)
    try {
      onChanged(await sessionsApi.setStatus(session.id, action.to))
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsBusy(false)
    }
  }

  const start = async (action: Action) => {
    if (action.to === 'recording') {
      const latest = await devicesApi.impedanceChecks(session.id).then(
        (checks) => checks.data.at(-1) ?? null,
        () => null
      )
      if (latest && !latest.passed) {
        setGate({ action, check: latest })
        return
      }
    }
    await run(action)
  }

  const override = async () => {
    const current = gate
    setGate(null)
    if (!current) return
    try {
      await devicesApi.overrideImpedance(current.check.id)
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
      return
    }
    await run(current.action)
  }

  if (!session.allowed_actions.includes('change_status')) return null
  const actions = ACTIONS[session.status] ?? []
  if (actions.length === 0) return null
  return (
    <div className="session-actions">
      {actions.map((action) => (
        <button
          key={action.to}
          type="button"
          className={`btn ${action.tone === 'primary' ? 'btn-primary' : action.tone === 'danger' ? 'btn-danger' : ''}`}
          disabled={isBusy}
          onClick={() => (action.needsConfirm ? setPending(action) : void start(action))}
          data-testid={`action-${action.to}`}
        >
          {action.label}
        </button>
      ))}
      <ErrorNote error={error} />
      {gate && (
        <ConfirmDialog
          title={`${gate.action.label} with bad electrodes?`}
          confirmLabel={`${gate.action.label} anyway`}
          isDanger
          onConfirm={() => void override()}
          onCancel={() => setGate(null)}
        >
          <p data-testid="impedance-gate">
            The last electrode check ({formatCheckTime(gate.check.t_ms)}) rated{' '}
            {gate.check.electrodes
              .filter((e) => e.rating === 'bad')
              .map((e) => `${e.label} (${e.impedance_kohm} kΩ)`)
              .join(', ')}{' '}
            bad (at or above {gate.check.thresholds.acceptable_below_kohm} kΩ). Going ahead is recorded with the session.
          </p>
        </ConfirmDialog>
      )}
      {pending && (
        <ConfirmDialog title={`${pending.label} this session?`} confirmLabel={pending.label} isDanger onConfirm={() => void run(pending)} onCancel={() => setPending(null)}>
          <p>{pending.to === 'completed' ? 'Recording ends and the session is closed. This cannot be undone.' : 'The session is marked as aborted. Data recorded so far is kept.'}</p>
        </ConfirmDialog>
      )}
    </div>
  )
}

function formatCheckTime(tMs: number): string {
  return new Date(tMs).toLocaleTimeString()
}
