import { useEffect, useState } from 'react'
import type { HealthResponse } from '@shared/schemas/health'

/** The app shell: header with station state; pages are added by the UI work. */
export function App() {
  const [health, setHealth] = useState<HealthResponse | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let cancelled = false
    const poll = async () => {
      try {
        const response = await fetch('/api/v1/health')
        const body = (await response.json()) as HealthResponse
        if (!cancelled) {
          setHealth(body)
          setError(null)
        }
      } catch (err) {
        if (!cancelled) setError((err as Error).message)
      }
    }
    void poll()
    const timer = setInterval(poll, 2000)
    return () => {
      cancelled = true
      clearInterval(timer)
    }
  }, [])

  return (
    <div className="app-shell" data-testid="app-shell">
      <header className="app-header">
        <h1>Vigil</h1>
        <span className="station-name">{health?.station_name ?? 'connecting…'}</span>
        <span className={`device-state device-${health?.device.state ?? 'unknown'}`} data-testid="device-state">
          {health ? `${health.device.kind ?? 'no headset'}: ${health.device.state}` : error ? 'station unreachable' : '…'}
        </span>
      </header>
      <main className="app-main">
        <p>Samples received: <span data-testid="samples-received">{health?.device.samples_received ?? 0}</span></p>
      </main>
    </div>
  )
}
