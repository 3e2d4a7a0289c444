/**
 * Download a session as BDF+/EDF+/CSV/BIDS. The station prepares the export and answers a one-time
 * link (POST /sessions/:id/export/link); the browser then downloads it natively, straight to disk with
 * its own progress, however large the file. See docs/export.md.
 */
import { useState } from 'react'
import { DEFAULT_EXPORT_FORMAT, EXPORT_FORMAT_NAMES, EXPORT_FORMATS, type ExportFormat } from '@shared/export-formats'
import { sessionsApi } from '../api/endpoints'
import { ErrorNote } from './ui/ui'

type State = { phase: 'idle' } | { phase: 'preparing' } | { phase: 'started'; fileName: string } | { phase: 'failed'; error: Error }

export function ExportPanel({ sessionId, hasSamples }: { sessionId: string; hasSamples: boolean }) {
  const [format, setFormat] = useState<ExportFormat>(DEFAULT_EXPORT_FORMAT)
  const [leaveGapsOut, setLeaveGapsOut] = useState(false)
  // Null until the user decides: then the station's default (de-identified for BIDS) applies.
  const [deidentifyChoice, setDeidentifyChoice] = useState<boolean | null>(null)
  const deidentify = deidentifyChoice ?? format === 'bids'
  const [state, setState] = useState<State>({ phase: 'idle' })
  const { hasGapChoice } = EXPORT_FORMATS[format]

  const download = async () => {
    setState({ phase: 'preparing' })
    try {
      const link = await sessionsApi.exportLink(sessionId, { format, deidentify, ...(hasGapChoice && leaveGapsOut ? { gaps: 'discontinuous' } : {}) })
      // A plain link click: the browser (or Electron) streams the file to disk and shows its progress.
      const anchor = document.createElement('a')
      anchor.href = link.url
      anchor.download = link.file_name
      document.body.append(anchor)
      anchor.click()
      anchor.remove()
      setState({ phase: 'started', fileName: link.file_name })
    } catch (err) {
      setState({ phase: 'failed', error: err as Error })
    }
  }

  return (
    <section className="panel" aria-labelledby="export-title" data-testid="export-panel">
      <h3 id="export-title">Export</h3>
      <div className="export-form">
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid="export-format">
            {EXPORT_FORMAT_NAMES.map((name) => (
              <option key={name} value={name}>
                {EXPORT_FORMATS[name].label}
              </option>
            ))}
          </select>
        </label>
        {hasGapChoice && (
          <label className="radio" title="By default headset gaps are filled with 0 µV and annotated BAD_data_gap (+C), which every reader places right. Left out, the file is BDF+D/EDF+D: EDFbrowser reads it, MNE-Python reads it as if continuous (data after a gap shifts).">
            <input type="checkbox" checked={leaveGapsOut} onChange={(e) => setLeaveGapsOut(e.target.checked)} data-testid="export-discontinuous" />
            Leave headset gaps out (BDF+D/EDF+D, for EDFbrowser)
          </label>
        )}
        <label className="radio" title="Shift every date by a secret per-dataset offset of whole weeks, give ages above 89 as 89, leave out notes and the session name">
          <input type="checkbox" checked={deidentify} onChange={(e) => setDeidentifyChoice(e.target.checked)} data-testid="export-deidentify" />
          De-identify
        </label>
        <button type="button" className="btn btn-primary" disabled={!hasSamples || state.phase === 'preparing'} onClick={() => void download()} data-testid="export-download">
          {state.phase === 'preparing' ? 'Preparing…' : 'Download'}
        </button>
      </div>
      <p className="muted">{EXPORT_FORMATS[format].hint}</p>
      {!hasSamples && <p className="muted">Nothing to export yet: this session has no EEG samples.</p>}
      {state.phase === 'started' && (
        <p data-testid="export-started">
          Download of <span className="mono">{state.fileName}</span> started.
        </p>
      )}
      {state.phase === 'failed' && <ErrorNote error={state.error} />}
    </section>
  )
}
