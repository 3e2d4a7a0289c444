import { useState } from 'react'
import { HEADSET_KINDS, HEADSETS, type HeadsetKind } from '@shared/headsets'
import { devicesApi, sessionsApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import { Badge, ConfirmDialog, EmptyState, ErrorNote, Skeleton } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'
import { LslOutletsPanel, LslStreamsFieldset } from '../components/LslPanels'

/** Serial ports (with the station's guess of what is plugged in), protocol choice, connect/disconnect, status. */
export function DevicesPage() {
  const ports = useQuery(() => devicesApi.ports(), [])
  const status = useQuery(() => devicesApi.status(), [], { intervalMs: 2000 })
  // A recording takes its EEG from this headset: disconnecting it then must be a decision, not a slip.
  const recording = useQuery(() => sessionsApi.list(0, 1, { status: 'recording' }), [], { intervalMs: 4000 })
  const recordingSession = recording.data?.data[0] ?? null
  const [isConfirmingDisconnect, setIsConfirmingDisconnect] = useState(false)
  const [kind, setKind] = useState<HeadsetKind>('cyton')
  const [path, setPath] = useState('')
  const [isBusy, setIsBusy] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const needsPort = HEADSETS[kind].transport === 'serial'
  const isLsl = HEADSETS[kind].transport === 'lsl'

  const act = async (fn: () => Promise<unknown>) => {
    setIsBusy(true)
    setError(null)
    try {
      await fn()
      await status.reload()
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsBusy(false)
    }
  }

  const s = status.data
  const d = s?.descriptor ?? null
  return (
    <div className="page" data-testid="devices-page">
      <h1>Devices</h1>
      <div className="grid-2">
        <section className="panel" aria-labelledby="dev-status">
          <h3 id="dev-status">Headset</h3>
          <ErrorNote error={status.error} onRetry={() => void status.reload()} />
          {status.isLoading && !s ? (
            <Skeleton lines={5} label="Loading headset status" />
          ) : s ? (
            <>
              <dl className="meta" data-testid="device-status">
                <dt>State</dt>
                <dd>
                  <Badge tone={s.state === 'streaming' ? 'ok' : s.state === 'disconnected' ? 'bad' : 'warn'} testId="device-status-state">
                    {s.state}
                  </Badge>
                  {s.detail && <span className="muted"> {s.detail}</span>}
                </dd>
                <dt>Model</dt>
                <dd>{d ? `${d.model} (${d.kind})` : '—'}</dd>
                <dt>Port</dt>
                <dd className="mono">{d?.port ?? '—'}</dd>
                <dt>Channels</dt>
                <dd>{d ? d.channel_names.join(', ') : '—'}</dd>
                <dt>Sample rate</dt>
                <dd>{d ? `${d.sample_rate_hz} Hz` : '—'}</dd>
                <dt>Received</dt>
                <dd className="num-left">{s.stats.samples_received.toLocaleString()} samples</dd>
                <dt>Dropped</dt>
                <dd data-testid="device-dropped">
                  {s.stats.samples_dropped.toLocaleString()} samples in {s.stats.gaps.toLocaleString()} gaps
                </dd>
                <dt>Reconnects</dt>
                <dd data-testid="device-reconnects">{s.stats.reconnects.toLocaleString()}</dd>
                <dt>Parse errors</dt>
                <dd>{s.stats.parse_errors.toLocaleString()}</dd>
              </dl>
              {d && s.quality.length > 0 && (
                <ul className="quality-strip" aria-label="Signal quality per channel">
                  {d.channel_names.map((name, i) => (
                    <li key={name + i}>
                      <Badge tone={s.quality[i] === 'good' ? 'ok' : s.quality[i] === 'noisy' ? 'warn' : s.quality[i] === 'unknown' ? 'muted' : 'bad'}>
                        {name} {s.quality[i] ?? 'unknown'}
                      </Badge>
                    </li>
                  ))}
                </ul>
              )}
              <p>
                <button type="button" className="btn btn-danger" disabled={isBusy || s.state === 'disconnected'} onClick={() => (recordingSession ? setIsConfirmingDisconnect(true) : void act(() => devicesApi.disconnect()))}
                  data-testid="device-disconnect"
                >
                  Disconnect
                </button>
              </p>
            </>
          ) : null}
        </section>
        <section className="panel" aria-labelledby="dev-connect">
          <h3 id="dev-connect">Connect</h3>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault()
              void act(() => devicesApi.connect((needsPort || isLsl) && path ? { kind, path } : { kind }))
            }}
          >
            <label>
              Protocol
              <select value={kind} onChange={(e) => setKind(e.target.value as HeadsetKind)} data-testid="device-kind">
                {HEADSET_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {HEADSETS[k].label}
                  </option>
                ))}
              </select>
            </label>
            {needsPort && (
              <fieldset className="ports">
                <legend>
                  Serial port{' '}
                  <button type="button" className="btn btn-small" onClick={() => void ports.reload()}>
                    Rescan
                  </button>
                </legend>
                <ErrorNote error={ports.error} />
                {ports.isLoading && !ports.data ? (
                  <Skeleton lines={2} label="Scanning serial ports" />
                ) : !ports.data?.data.length ? (
                  <EmptyState title="No serial ports found">
                    <p>Plug in the dongle and press Rescan, or type the path below.</p>
                  </EmptyState>
                ) : (
                  ports.data.data.map((port) => (
                    <label key={port.path} className="radio">
                      <input
                        type="radio"
                        name="port"
                        value={port.path}
                        checked={path === port.path}
                        onChange={() => {
                          setPath(port.path)
                          if (port.guess) setKind(port.guess.kind)
                        }}
                      />
                      <span className="mono">{port.path}</span>
                      <span className="muted">
                        {[port.manufacturer, port.vendor_id && port.product_id ? `${port.vendor_id}:${port.product_id}` : null].filter(Boolean).join(' · ')}
                        {port.guess && ` — looks like ${port.guess.model}${port.guess.confidence === 'low' ? ' (unsure)' : ''}`}
                      </span>
                    </label>
                  ))
                )}
                <label>
                  <span>
                    Path <span className="muted">(empty: the one port whose USB ids match the protocol)</span>
                  </span>
                  <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/dev/ttyUSB0" className="mono" data-testid="device-path" />
                </label>
              </fieldset>
            )}
            {isLsl && <LslStreamsFieldset predicate={path} onPredicate={setPath} />}
            <ErrorNote error={error} />
            <button type="submit" className="btn btn-primary" disabled={isBusy} data-testid="device-connect">
              {isBusy ? 'Working…' : 'Connect'}
            </button>
          </form>
        </section>
        <LslOutletsPanel />
      </div>
      {isConfirmingDisconnect && recordingSession && (
        <ConfirmDialog
          title={`Disconnect the headset while “${recordingSession.name}” is recording?`}
          confirmLabel="Disconnect anyway"
          isDanger
          onConfirm={() => {
            setIsConfirmingDisconnect(false)
            void act(() => devicesApi.disconnect())
          }}
          onCancel={() => setIsConfirmingDisconnect(false)}
        >
          <p>
            Participant {recordingSession.participant_code}&apos;s session keeps recording, but without EEG until a headset is connected again: that span will be missing from
            the recording. To interrupt on purpose, pause the session first.
          </p>
        </ConfirmDialog>
      )}
    </div>
  )
}
