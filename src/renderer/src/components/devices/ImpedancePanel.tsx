/**
 * The pre-recording electrode check on the session page: an all-channel head map coloured by the
 * last impedance check stored with the session, the live per-channel quality (railed / flat / noisy)
 * beside it, and a button to run the check (before recording, or again during a pause).
 */
import { useState } from 'react'
import type { ImpedanceCheckResponse } from '@shared/schemas/impedance'
import type { ChannelQuality } from '@shared/schemas/devices'
import { devicesApi } from '../../api/endpoints'
import { ApiError } from '../../api/http'
import { useQuery } from '../../hooks/use-query'
import { Badge, EmptyState, ErrorNote, formatTime } from '../ui/ui'

/** 2-D positions (x right, y towards the nose, head radius 1) of common 10-20 / 10-10 labels. */
const POSITIONS: Record<string, [number, number]> = {
  fpz: [0, 1], fp1: [-0.31, 0.95], fp2: [0.31, 0.95],
  afz: [0, 0.75], af3: [-0.35, 0.75], af4: [0.35, 0.75], af7: [-0.59, 0.81], af8: [0.59, 0.81],
  f7: [-0.81, 0.59], f3: [-0.42, 0.52], fz: [0, 0.5], f4: [0.42, 0.52], f8: [0.81, 0.59], f1: [-0.21, 0.5], f2: [0.21, 0.5], f5: [-0.62, 0.55], f6: [0.62, 0.55],
  ft7: [-0.95, 0.31], fc5: [-0.65, 0.27], fc3: [-0.45, 0.26], fc1: [-0.22, 0.25], fcz: [0, 0.25], fc2: [0.22, 0.25], fc4: [0.45, 0.26], fc6: [0.65, 0.27], ft8: [0.95, 0.31],
  t7: [-1, 0], t3: [-1, 0], c5: [-0.75, 0], c3: [-0.5, 0], c1: [-0.25, 0], cz: [0, 0], c2: [0.25, 0], c4: [0.5, 0], c6: [0.75, 0], t8: [1, 0], t4: [1, 0],
  tp7: [-0.95, -0.31], cp5: [-0.65, -0.27], cp3: [-0.45, -0.26], cp1: [-0.22, -0.25], cpz: [0, -0.25], cp2: [0.22, -0.25], cp4: [0.45, -0.26], cp6: [0.65, -0.27], tp8: [0.95, -0.31],
  p7: [-0.81, -0.59], t5: [-0.81, -0.59], p3: [-0.42, -0.52], p1: [-0.21, -0.5], pz: [0, -0.5], p2: [0.21, -0.5], p4: [0.42, -0.52], p8: [0.81, -0.59], t6: [0.81, -0.59],
  po7: [-0.59, -0.81], po3: [-0.35, -0.75], poz: [0, -0.75], po4: [0.35, -0.75], po8: [0.59, -0.81],
  o1: [-0.31, -0.95], oz: [0, -1], o2: [0.31, -0.95],
  a1: [-1.12, 0], m1: [-1.12, 0], a2: [1.12, 0], m2: [1.12, 0]
}

const RATING_COLOURS = { good: 'var(--ok)', acceptable: 'var(--warn)', bad: 'var(--bad)' } as const
const QUALITY_TONES: Record<ChannelQuality, 'ok' | 'warn' | 'bad' | 'muted'> = { good: 'ok', noisy: 'warn', railed: 'bad', flat: 'bad', unknown: 'muted' }

/** Where to draw each label: its 10-20 position, or (unknown label) a slot on a ring outside the head. */
function layout(labels: string[]): Array<[number, number]> {
  const unknown = labels.filter((l) => !POSITIONS[l.toLowerCase()])
  return labels.map((label) => {
    const known = POSITIONS[label.toLowerCase()]
    if (known) return known
    const k = unknown.indexOf(label)
    const angle = Math.PI / 2 + (2 * Math.PI * (k + 0.5)) / Math.max(unknown.length, 1)
    return [1.3 * Math.cos(angle), 1.3 * Math.sin(angle)]
  })
}

export function HeadMap({ check }: { check: ImpedanceCheckResponse }) {
  // One dot per electrode (with both pins checked, the worse pin colours it).
  const worst = new Map<number, ImpedanceCheckResponse['electrodes'][number]>()
  const order = { good: 0, acceptable: 1, bad: 2 }
  for (const e of check.electrodes) {
    const seen = worst.get(e.channel)
    if (!seen || order[e.rating] > order[seen.rating]) worst.set(e.channel, e)
  }
  const electrodes = [...worst.values()]
  const points = layout(electrodes.map((e) => e.label))
  const scale = 80
  return (
    <svg viewBox="-120 -120 240 240" width="240" height="240" role="img" aria-label="Electrode impedance head map" data-testid="impedance-head-map">
      <circle cx="0" cy="0" r={scale} fill="none" stroke="var(--border)" strokeWidth="2" />
      <path d={`M -10 ${-scale + 1} L 0 ${-scale - 12} L 10 ${-scale + 1}`} fill="none" stroke="var(--border)" strokeWidth="2" />
      {electrodes.map((e, k) => {
        const [x, y] = points[k]
        return (
          <g key={e.channel} transform={`translate(${x * scale} ${-y * scale})`} data-testid={`electrode-${e.label}`} data-rating={e.rating}>
            <circle r="11" fill={RATING_COLOURS[e.rating]} stroke="var(--bg)" strokeWidth="1.5">
              <title>{`${e.label}: ${e.impedance_kohm} kΩ (${e.rating})`}</title>
            </circle>
            <text y="4" textAnchor="middle" fontSize="8" fill="var(--bg)">
              {e.label}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

export function ImpedancePanel({ sessionId, canCheck }: { sessionId: string; canCheck: boolean }) {
  const checks = useQuery(() => devicesApi.impedanceChecks(sessionId), [sessionId])
  const status = useQuery(() => devicesApi.status(), [], { intervalMs: 2000 })
  const [isChecking, setIsChecking] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const latest = checks.data?.data.at(-1) ?? null
  const quality = status.data?.quality ?? []
  const channelNames = status.data?.descriptor?.channel_names ?? []
  // Live quality belongs beside a check of the same layout; labels may differ (the session's montage renames channels).
  const isSameLayout = latest !== null && new Set(latest.electrodes.map((e) => e.channel)).size === channelNames.length

  const run = async () => {
    setIsChecking(true)
    setError(null)
    try {
      await devicesApi.checkImpedance({ session_id: sessionId })
      await checks.reload()
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsChecking(false)
    }
  }

  return (
    <section className="panel" aria-labelledby="impedance-title" data-testid="impedance-panel">
      <h3 id="impedance-title">Electrodes</h3>
      <ErrorNote error={error ?? checks.error} />
      {latest ? (
        <div className="grid-2">
          <HeadMap check={latest} />
          <div>
            <p>
              {latest.passed ? <Badge tone="ok">passed</Badge> : <Badge tone="bad">failed</Badge>} checked {formatTime(latest.t_ms)} ({latest.method}); good below {latest.thresholds.good_below_kohm} kΩ,
              acceptable below {latest.thresholds.acceptable_below_kohm} kΩ
            </p>
            <table className="table" data-testid="impedance-table">
              <thead>
                <tr>
                  <th>Electrode</th>
                  <th>kΩ</th>
                  <th>Impedance</th>
                  <th>Signal now</th>
                </tr>
              </thead>
              <tbody>
                {latest.electrodes.map((e) => (
                  <tr key={`${e.channel}-${e.pin}`}>
                    <td>
                      {e.label}
                      {latest.electrodes.some((o) => o.channel === e.channel && o.pin !== e.pin) ? ` (${e.pin.toUpperCase()})` : ''}
                    </td>
                    <td className="mono">{e.impedance_kohm}</td>
                    <td>
                      <Badge tone={e.rating === 'good' ? 'ok' : e.rating === 'acceptable' ? 'warn' : 'bad'}>{e.rating}</Badge>
                    </td>
                    <td>{isSameLayout && quality[e.channel] ? <Badge tone={QUALITY_TONES[quality[e.channel]]}>{quality[e.channel]}</Badge> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : (
        <EmptyState title="No impedance check yet">
          <p>Check the electrodes before recording: each channel takes about a second on a Cyton.</p>
        </EmptyState>
      )}
      {canCheck && (
        <p>
          <button type="button" className="btn" disabled={isChecking} onClick={() => void run()} data-testid="run-impedance-check">
            {isChecking ? 'Checking electrodes…' : latest ? 'Check again' : 'Check electrodes'}
          </button>{' '}
          <span className="muted">The samples carry the test current meanwhile: check before recording or during a pause.</span>
        </p>
      )}
    </section>
  )
}
