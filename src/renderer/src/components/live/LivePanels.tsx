/** The slow-changing panels of the live view: quality badges, band powers, fatigue, tiles, alerts, device. */
import type { ChannelQuality } from '@shared/schemas/devices'
import type { AlertSeverity, BandPowers, FatigueLevel } from '@shared/schemas/fatigue'
import type { LiveAlert, LiveDevice, LiveTiles } from '../../live/protocol'
import { Badge, EmptyState, formatTime } from '../ui/ui'

const QUALITY_TONE: Record<ChannelQuality, 'ok' | 'warn' | 'bad' | 'muted'> = { good: 'ok', noisy: 'warn', railed: 'bad', flat: 'bad', unknown: 'muted' }

export function QualityBadges({ names, quality }: { names: string[]; quality: ChannelQuality[] }) {
  return (
    <ul className="quality-strip" aria-label="Signal quality per channel" data-testid="quality-badges">
      {names.map((name, i) => {
        const q = quality[i] ?? 'unknown'
        return (
          <li key={name + i}>
            <Badge tone={QUALITY_TONE[q]} title={`${name}: ${q}`}>
              {name} {q === 'good' ? '●' : q}
            </Badge>
          </li>
        )
      })}
    </ul>
  )
}

const BAND_ORDER = ['delta', 'theta', 'alpha', 'beta', 'gamma']
const bandRank = (name: string) => (BAND_ORDER.includes(name) ? BAND_ORDER.indexOf(name) : BAND_ORDER.length)

export function BandBars({ bands }: { bands: Partial<BandPowers> }) {
  const names = (Object.keys(bands) as (keyof BandPowers)[]).sort((a, b) => bandRank(a) - bandRank(b))
  if (names.length === 0) return <p className="muted">Waiting for band powers…</p>
  const total = names.reduce((sum, name) => sum + Math.max(0, bands[name] ?? 0), 0) || 1
  return (
    <ul className="band-bars" data-testid="band-bars">
      {names.map((name) => {
        const share = Math.max(0, bands[name] ?? 0) / total
        return (
          <li key={name}>
            <span className="band-name">{name}</span>
            <span className="band-track">
              <span className={`band-fill band-${name}`} style={{ width: `${(share * 100).toFixed(1)}%` }} />
            </span>
            <span className="band-value">{(share * 100).toFixed(0)}%</span>
          </li>
        )
      })}
    </ul>
  )
}

export function levelTone(level: FatigueLevel | AlertSeverity | null): 'ok' | 'warn' | 'bad' | 'muted' {
  if (!level) return 'muted'
  // Fatigue levels (alert/moderate/severe) and alert severities (info/warning/severe) share the scale.
  if (level === 'severe') return 'bad'
  if (level === 'moderate' || level === 'warning') return 'warn'
  if (level === 'alert') return 'ok'
  return 'muted'
}

export function FatigueValue({ score, level }: { score: number | null; level: FatigueLevel | null }) {
  return (
    <div className={`fatigue-value tone-${levelTone(level)}`} data-testid="fatigue-value">
      <span className="fatigue-number" title="Fused fatigue score, 0 (alert) to 100 (drowsy)">
        {score === null ? '—' : Math.round(score)}
      </span>
      <span className="fatigue-level" data-testid="fatigue-level">
        {level ?? (score === null ? 'waiting for data' : '')}
      </span>
    </div>
  )
}

function fmt(value: number | null, digits: number, unit: string): string {
  return value === null ? '—' : `${value.toFixed(digits)}${unit}`
}

export function FeatureTiles({ tiles }: { tiles: LiveTiles }) {
  return (
    <div className="tiles" data-testid="feature-tiles">
      <div className="tile" title="P80: share of the last minute the eyes were at least 80% closed">
        <span className="tile-value">{tiles.perclos === null ? '—' : `${(tiles.perclos * 100).toFixed(0)}%`}</span>
        <span className="tile-label">PERCLOS</span>
      </div>
      <div className="tile">
        <span className="tile-value">{fmt(tiles.blinkRatePerMin, 0, '/min')}</span>
        <span className="tile-label">Blinks</span>
      </div>
      <div className="tile" title="Standard deviation of lateral position">
        <span className="tile-value">{fmt(tiles.sdlpM, 2, ' m')}</span>
        <span className="tile-label">SDLP</span>
      </div>
      <div className="tile">
        <span className="tile-value">{fmt(tiles.reactionTimeMs, 0, ' ms')}</span>
        <span className="tile-label">Reaction time</span>
      </div>
      <div className="tile" title="Karolinska Sleepiness Scale, the participant's latest answer (1 alert … 9 fighting sleep)">
        <span className="tile-value">{fmt(tiles.kss, 0, '')}</span>
        <span className="tile-label">KSS</span>
      </div>
    </div>
  )
}

export function AlertTimeline({ alerts, onAcknowledge, canAcknowledge }: { alerts: LiveAlert[]; onAcknowledge(alert: LiveAlert): void; canAcknowledge: boolean }) {
  if (alerts.length === 0) return <EmptyState title="No alerts yet" />
  return (
    <ol className="alert-timeline" data-testid="alert-timeline">
      {alerts.map((alert) => (
        <li key={alert.id} className={`alert-item tone-${levelTone(alert.level)}${alert.acknowledgedAtMs ? ' is-acked' : ''}`} data-testid="alert-item">
          <time>{new Date(alert.tMs).toLocaleTimeString(undefined, { hour12: false })}</time>
          <strong>{alert.level}</strong>
          <span className="alert-message">{alert.message}</span>
          {alert.acknowledgedAtMs ? (
            <span className="muted">acknowledged {formatTime(alert.acknowledgedAtMs)}</span>
          ) : canAcknowledge ? (
            <button type="button" className="btn btn-small" onClick={() => onAcknowledge(alert)} data-testid="ack-alert">
              Acknowledge
            </button>
          ) : null}
        </li>
      ))}
    </ol>
  )
}

export function DeviceBox({ device, fallbackState }: { device: LiveDevice | null; fallbackState?: string }) {
  const state = device?.state ?? fallbackState ?? 'unknown'
  return (
    <dl className="meta compact" data-testid="device-box">
      <dt>Headset</dt>
      <dd>
        <Badge tone={state === 'streaming' ? 'ok' : state === 'disconnected' ? 'bad' : 'warn'}>{state}</Badge> {device?.model ?? device?.kind ?? ''}
      </dd>
      {device?.samplesDropped !== undefined && (
        <>
          <dt>Dropped</dt>
          <dd>{device.samplesDropped.toLocaleString()} samples</dd>
        </>
      )}
      {device?.reconnects !== undefined && (
        <>
          <dt>Reconnects</dt>
          <dd>{device.reconnects}</dd>
        </>
      )}
      {device?.detail && (
        <>
          <dt>Detail</dt>
          <dd>{device.detail}</dd>
        </>
      )}
    </dl>
  )
}
