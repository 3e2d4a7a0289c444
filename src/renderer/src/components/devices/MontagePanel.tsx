/**
 * The session's montage on the session page: label and 10-20/10-10 site per channel, reference and
 * ground, from a preset or typed in. Editable while the session is planned; after that the labels
 * are those of the recording and shown read-only.
 */
import { useState } from 'react'
import { MONTAGE_PRESETS } from '@shared/montage-presets'
import type { MontageResponse } from '@shared/schemas/montage'
import { sessionsApi } from '../../api/endpoints'
import { ApiError } from '../../api/http'
import { useQuery } from '../../hooks/use-query'
import { Badge, ErrorNote } from '../ui/ui'

type Draft = Pick<MontageResponse, 'preset' | 'electrodes' | 'reference' | 'ground'>

export function MontagePanel({ sessionId, canEdit }: { sessionId: string; canEdit: boolean }) {
  const montage = useQuery(() => sessionsApi.montage(sessionId), [sessionId])
  const [draft, setDraft] = useState<Draft | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const [isSaving, setIsSaving] = useState(false)
  const current = montage.data
  const shown: Draft | null = draft ?? current ?? null
  if (!shown || !current) return null
  const presets = MONTAGE_PRESETS.filter((p) => p.electrodes.length === current.electrodes.length)
  const isEditing = canEdit && draft !== null

  const edit = (change: Partial<Draft>) => setDraft({ ...shown, ...change })
  const editElectrode = (index: number, change: Partial<Draft['electrodes'][number]>) =>
    edit({ electrodes: shown.electrodes.map((e, i) => (i === index ? { ...e, ...change } : e)) })

  const save = async () => {
    setIsSaving(true)
    setError(null)
    try {
      // Only the montage's own fields: the input schema is strict, and `shown` may be the whole response.
      await sessionsApi.setMontage(sessionId, { preset: shown.preset, electrodes: shown.electrodes.map((e) => ({ label: e.label, position: e.position })), reference: shown.reference, ground: shown.ground })
      setDraft(null)
      await montage.reload()
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsSaving(false)
    }
  }

  return (
    <section className="panel" aria-labelledby="montage-title" data-testid="montage-panel">
      <h3 id="montage-title">
        Montage {current.is_stored ? <Badge tone="ok">stored</Badge> : <Badge tone="muted">preset, not stored yet</Badge>}
      </h3>
      <ErrorNote error={error ?? montage.error} />
      {canEdit && presets.length > 0 && (
        <label>
          Preset{' '}
          <select
            value={shown.preset ?? ''}
            onChange={(e) => {
              const preset = presets.find((p) => p.id === e.target.value)
              if (preset) setDraft({ preset: preset.id, electrodes: preset.electrodes.map((el) => ({ ...el })), reference: preset.reference, ground: preset.ground })
            }}
            data-testid="montage-preset"
          >
            {!presets.some((p) => p.id === shown.preset) && <option value="">custom</option>}
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <table className="table" data-testid="montage-table">
        <thead>
          <tr>
            <th>Ch</th>
            <th>Label</th>
            <th>10-20 / 10-10 site</th>
          </tr>
        </thead>
        <tbody>
          {shown.electrodes.map((e, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td>
                {canEdit ? (
                  <input value={e.label} maxLength={16} aria-label={`Label of channel ${i + 1}`} onChange={(ev) => editElectrode(i, { label: ev.target.value })} />
                ) : (
                  e.label
                )}
              </td>
              <td>
                {canEdit ? (
                  <input
                    value={e.position ?? ''}
                    maxLength={8}
                    placeholder="off the head"
                    aria-label={`Site of channel ${i + 1}`}
                    onChange={(ev) => editElectrode(i, { position: ev.target.value.trim() === '' ? null : ev.target.value.trim() })}
                  />
                ) : (
                  (e.position ?? '—')
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {canEdit ? (
          <>
            <label>
              Reference <input value={shown.reference} maxLength={60} onChange={(ev) => edit({ reference: ev.target.value })} data-testid="montage-reference" />
            </label>{' '}
            <label>
              Ground <input value={shown.ground} maxLength={60} onChange={(ev) => edit({ ground: ev.target.value })} data-testid="montage-ground" />
            </label>
          </>
        ) : (
          <>
            Reference: {shown.reference} · Ground: {shown.ground}
          </>
        )}
      </p>
      {canEdit && (
        <button type="button" className="btn btn-primary" disabled={isSaving || (!isEditing && current.is_stored)} onClick={() => void save()} data-testid="montage-save">
          {current.is_stored ? 'Save montage' : 'Store montage'}
        </button>
      )}
      {!canEdit && <p className="muted">The labels are fixed once the recording has started; every export uses them.</p>}
    </section>
  )
}
