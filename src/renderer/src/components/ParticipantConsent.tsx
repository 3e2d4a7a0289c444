/**
 * The participant's consent in the new-session form: shows the record on file for the code typed, or
 * asks for the consent form version, date and scopes (and optional demographics for BIDS) so the record
 * is made together with the session. Recording is refused without local-recording consent, sync waits
 * for central-sync consent and exports need data-sharing consent (docs/sessions.md).
 */
import { useEffect, useState } from 'react'
import { CONSENT_SCOPES, PARTICIPANT_HANDEDNESS, PARTICIPANT_SEXES, type ConsentScope, type ParticipantResponse } from '@shared/schemas/participants'
import { participantsApi } from '../api/endpoints'
import { Badge } from './ui/ui'

const SCOPE_LABELS: Record<ConsentScope, string> = {
  local_recording: 'Record on this station',
  central_sync: 'Copy to the central database',
  data_sharing: 'Export and share (de-identified)'
}

const CODE_PATTERN = /^[A-Za-z0-9_-]+$/

type Lookup = { state: 'idle' } | { state: 'loading' } | { state: 'found'; record: ParticipantResponse } | { state: 'missing' }

export interface ConsentDraft {
  formVersion: string
  date: string
  scopes: ConsentScope[]
  age: string
  sex: string
  handedness: string
}

export interface ParticipantConsentState {
  /** Renders the consent part of the form. */
  fields: React.ReactNode
  /** Creates the record when the code has none; call before creating the session. */
  save(): Promise<void>
}

export function useParticipantConsent(code: string): ParticipantConsentState {
  const trimmed = code.trim()
  // The answer for the code last looked up; a different code typed since means "still looking".
  const [answer, setAnswer] = useState<{ code: string; record: ParticipantResponse | null } | null>(null)
  const [draft, setDraft] = useState<ConsentDraft>(() => ({ formVersion: '', date: new Date().toISOString().slice(0, 10), scopes: ['local_recording'], age: '', sex: '', handedness: '' }))
  // The record being updated in this form (renewed or widened consent), by id.
  const [editingId, setEditingId] = useState<string | null>(null)
  const isValidCode = CODE_PATTERN.test(trimmed)
  const lookup: Lookup = !isValidCode
    ? { state: 'idle' }
    : answer?.code !== trimmed
      ? { state: 'loading' }
      : answer.record
        ? { state: 'found', record: answer.record }
        : { state: 'missing' }

  // Whether this station gates recording on consent: then a code without a record must get one here.
  const [isRequired, setIsRequired] = useState(true)
  useEffect(() => {
    let isCurrent = true
    fetch('/api/v1/health')
      .then((res) => res.json() as Promise<{ consent_required?: boolean }>)
      .then((health) => isCurrent && setIsRequired(health.consent_required !== false))
      .catch(() => undefined)
    return () => {
      isCurrent = false
    }
  }, [])

  useEffect(() => {
    if (!isValidCode) return
    let isCurrent = true
    // Typed codes settle before asking the station, so each keystroke does not cost a request.
    const timer = setTimeout(() => {
      participantsApi
        .byCode(trimmed)
        .then((record) => isCurrent && setAnswer({ code: trimmed, record }))
        .catch(() => isCurrent && setAnswer({ code: trimmed, record: null }))
    }, 250)
    return () => {
      isCurrent = false
      clearTimeout(timer)
    }
  }, [trimmed, isValidCode])

  const toggle = (scope: ConsentScope, on: boolean) =>
    setDraft((d) => ({ ...d, scopes: on ? CONSENT_SCOPES.filter((s) => s === scope || d.scopes.includes(s)) : d.scopes.filter((s) => s !== scope) }))

  const draftBody = () => ({
    consent_form_version: draft.formVersion.trim(),
    consent_date: draft.date,
    consent_scopes: draft.scopes,
    age: draft.age === '' ? null : Number(draft.age),
    sex: (draft.sex || null) as ParticipantResponse['sex'],
    handedness: (draft.handedness || null) as ParticipantResponse['handedness']
  })

  const startEditing = (record: ParticipantResponse) => {
    setDraft({
      formVersion: record.consent_form_version,
      date: record.consent_date,
      scopes: record.consent_scopes,
      age: record.age === null ? '' : String(record.age),
      sex: record.sex ?? '',
      handedness: record.handedness ?? ''
    })
    setEditingId(record.id)
  }

  async function save(): Promise<void> {
    if (lookup.state === 'found') {
      if (editingId === lookup.record.id) await participantsApi.update(editingId, draftBody())
      return
    }
    // Optional on a station without the consent gate: no version typed, no record.
    if (!isRequired && draft.formVersion.trim() === '') return
    // Submitted before the lookup answered: a record may exist after all.
    if (lookup.state === 'loading' && (await participantsApi.byCode(trimmed))) return
    // The code may have gained a record since the lookup (another operator): creating then answers 409.
    await participantsApi.create({ participant_code: trimmed, ...draftBody() })
  }

  function consentFieldset(legend: string): React.ReactNode {
    return (
      <fieldset className="wide" data-testid="consent-fields">
        <legend>{legend}</legend>
        <label>
          Consent form version
          <input required={isRequired || editingId !== null} maxLength={50} value={draft.formVersion} onChange={(e) => setDraft({ ...draft, formVersion: e.target.value })} placeholder="e.g. v2.1" data-testid="consent-form-version" />
        </label>
        <label>
          Signed on
          <input required={isRequired || editingId !== null} type="date" value={draft.date} onChange={(e) => setDraft({ ...draft, date: e.target.value })} data-testid="consent-date" />
        </label>
        {CONSENT_SCOPES.map((scope) => (
          <label key={scope} className="radio">
            <input type="checkbox" checked={draft.scopes.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} data-testid={`consent-scope-${scope}`} />
            {SCOPE_LABELS[scope]}
          </label>
        ))}
        <details>
          <summary>Demographics for BIDS exports (optional)</summary>
          <label>
            Age (years)
            <input type="number" min={0} max={130} value={draft.age} onChange={(e) => setDraft({ ...draft, age: e.target.value })} data-testid="participant-age" />
          </label>
          <label>
            Sex
            <select value={draft.sex} onChange={(e) => setDraft({ ...draft, sex: e.target.value })} data-testid="participant-sex">
              <option value="">not recorded</option>
              {PARTICIPANT_SEXES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Handedness
            <select value={draft.handedness} onChange={(e) => setDraft({ ...draft, handedness: e.target.value })} data-testid="participant-handedness">
              <option value="">not recorded</option>
              {PARTICIPANT_HANDEDNESS.map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </label>
        </details>
      </fieldset>
    )
  }

  let fields: React.ReactNode = null
  if (lookup.state === 'found' && editingId === lookup.record.id) {
    fields = consentFieldset(`Update the consent of ${trimmed} (saved with the session)`)
  } else if (lookup.state === 'found') {
    const { record } = lookup
    fields = (
      <div className="wide consent-on-file" data-testid="consent-on-file">
        Consent on file: form {record.consent_form_version}, signed {record.consent_date}.{' '}
        {CONSENT_SCOPES.map((scope) => (
          <Badge key={scope} tone={record.consent_scopes.includes(scope) ? 'ok' : 'muted'} title={record.consent_scopes.includes(scope) ? 'given' : 'not given'}>
            {record.consent_scopes.includes(scope) ? '✓' : '✗'} {SCOPE_LABELS[scope]}
          </Badge>
        ))}
        {!record.consent_scopes.includes('local_recording') && (
          <p className="text-bad" data-testid="consent-no-recording">
            This participant has not consented to recording: the session can be planned, but not started.
          </p>
        )}
        <button type="button" className="btn btn-small" onClick={() => startEditing(record)} data-testid="consent-update">
          Update consent
        </button>
      </div>
    )
  } else if (lookup.state === 'missing') {
    fields = consentFieldset(`Consent (no record for ${trimmed} yet${isRequired ? '; needed before recording' : ', optional on this station'})`)
  }
  return { fields, save }
}
