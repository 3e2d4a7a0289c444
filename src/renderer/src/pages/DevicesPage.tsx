import { useState } from 'react'
import { devicesApi, itemsOf, type SerialPortInfo } from '../api/endpoints'
import { ApiError } from '../api/http'
import { Badge, EmptyState, ErrorNote, Skeleton } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'

/** Protocols the station's drivers speak (src/station/config.ts DEVICE_KINDS, minus `none`). */
const PROTOCOLS = [
  { kind: 'cyton', label: 'OpenBCI Cyton (8 ch)', needsPort: true },
  { kind: 'cyton-daisy', label: 'OpenBCI Cyton + Daisy (16 ch)', needsPort: true },
  { kind: 'thinkgear', label: 'NeuroSky ThinkGear', needsPort: true },
  { kind: 'lines', label: 'Text lines (Arduino / DIY)', needsPort: true },
  { kind: 'simulated', label: 'Simulated headset', needsPort: false }
]

type Json = Record<string, unknown>
const num = (v: unknown) => (typeof v === 'number' ? v : null)

export function DevicesPage() {
  const ports = useQuery(() => devicesApi.ports(), [])
  const status = useQuery(() => devicesApi.status(), [], { intervalMs: 2000 })
  const [kind, setKind] = useState('cyton')
  const [path, setPath] = useState('')
  const [isBusy, setIsBusy] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const portList = [...itemsOf<SerialPortInfo>(ports.data), ...itemsOf<SerialPortInfo>(ports.data, 'ports')]
  const protocol = PROTOCOLS.find((p) => p.kind === kind)!

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

  const s = (status.data ?? {}) as Json
  const stats = ((s.stats as Json) ?? s) as Json
  const descriptor = ((s.descriptor as Json) ?? {}) as Json
  const state = typeof s.state === 'string' ? s.state : 'unknown'
  const isNotAvailable = status.error?.status === 404 && ports.error?.status === 404

  return (
    <div className="page" data-testid="devices-page">
      <h2>Devices</h2>
      {isNotAvailable && <p className="muted">This station does not offer the devices API; the headset is chosen at start-up (--device).</p>}
      <div className="grid-2">
        <section className="panel" aria-labelledby="dev-status">
          <h3 id="dev-status">Headset</h3>
          {status.isLoading && !status.data ? (
            <Skeleton lines={4} />
          ) : (
            <>
              <ErrorNote error={status.error?.status === 404 ? null : status.error} />
              <dl className="meta" data-testid="device-status">
                <dt>State</dt>
                <dd>
                  <Badge tone={state === 'streaming' ? 'ok' : state === 'disconnected' ? 'bad' : 'warn'} testId="device-status-state">
                    {state}
                  </Badge>
                  {typeof s.detail === 'string' && <span className="muted"> {s.detail}</span>}
                </dd>
                <dt>Model</dt>
                <dd>{String(descriptor.model ?? s.kind ?? descriptor.kind ?? '—')}</dd>
                <dt>Port</dt>
                <dd className="mono">{String(descriptor.port ?? s.port ?? '—')}</dd>
                <dt>Channels</dt>
                <dd>{Array.isArray(descriptor.channel_names ?? descriptor.channelNames) ? `${(descriptor.channel_names ?? descriptor.channelNames) as string[]}`.replaceAll(',', ', ') : '—'}</dd>
                <dt>Sample rate</dt>
                <dd>{num(descriptor.sample_rate_hz ?? descriptor.sampleRateHz) ? `${num(descriptor.sample_rate_hz ?? descriptor.sampleRateHz)} Hz` : '—'}</dd>
                <dt>Received</dt>
                <dd>{num(stats.samples_received ?? stats.samplesReceived)?.toLocaleString() ?? '—'}</dd>
                <dt>Dropped</dt>
                <dd data-testid="device-dropped">{num(stats.samples_dropped ?? stats.samplesDropped)?.toLocaleString() ?? '—'}</dd>
                <dt>Reconnects</dt>
                <dd data-testid="device-reconnects">{num(stats.reconnects)?.toLocaleString() ?? '—'}</dd>
                <dt>Parse errors</dt>
                <dd>{num(stats.parse_errors ?? stats.parseErrors)?.toLocaleString() ?? '—'}</dd>
              </dl>
              <button type="button" className="btn btn-danger" disabled={isBusy || state === 'disconnected'} onClick={() => void act(() => devicesApi.disconnect())} data-testid="device-disconnect">
                Disconnect
              </button>
            </>
          )}
        </section>
        <section className="panel" aria-labelledby="dev-connect">
          <h3 id="dev-connect">Connect</h3>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault()
              void act(() => devicesApi.connect(kind, protocol.needsPort ? path : undefined))
            }}
          >
            <label>
              Protocol
              <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="device-kind">
                {PROTOCOLS.map((p) => (
                  <option key={p.kind} value={p.kind}>
                    {p.label}
                  </option>
                ))}
              </select>
            </label>
            {protocol.needsPort && (
              <fieldset className="ports">
                <legend>
                  Serial port{' '}
                  <button type="button" className="btn btn-small" onClick={() => void ports.reload()}>
                    Rescan
                  </button>
                </legend>
                {ports.isLoading && !ports.data ? (
                  <Skeleton lines={2} />
                ) : portList.length === 0 ? (
                  <EmptyState title="No serial ports found">
                    <p>Plug in the dongle and press Rescan, or type a path below.</p>
                  </EmptyState>
                ) : (
                  portList.map((port) => (
                    <label key={port.path} className="radio">
                      <input type="radio" name="port" value={port.path} checked={path === port.path} onChange={() => setPath(port.path)} />
                      <span className="mono">{port.path}</span> <span className="muted">{[port.manufacturer, port.vendorId ?? port.vendor_id, port.productId ?? port.product_id].filter(Boolean).join(' · ')}</span>
                    </label>
                  ))
                )}
                {ports.error?.status !== 404 && <ErrorNote error={ports.error} />}
                <label>
                  Path
                  <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/dev/ttyUSB0" className="mono" data-testid="device-path" />
                </label>
              </fieldset>
            )}
            <ErrorNote error={error} />
            <button type="submit" className="btn btn-primary" disabled={isBusy || (protocol.needsPort && !path)} data-testid="device-connect">
              Connect
            </button>
          </form>
        </section>
      </div>
    </div>
  )
}
