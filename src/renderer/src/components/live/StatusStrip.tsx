/**
 * The operator status strip: one line saying whether everything a recording needs is working
 * (headset, camera and face tracker, participant screen, drive, recording clock, sync backlog). Every
 * value carries the moment this view last heard it; one that stopped coming is greyed with its age,
 * because a number that silently stopped updating is the most misleading thing on an operator's screen.
 */
import type { LiveDevice } from '../../live/protocol'
import type { LiveStrip } from '../../live/session-live'

/** Past this a value is shown as stale: EEG arrives several times a second, face reports every few seconds. */
const STALE_AFTER_MS = { eeg: 3000, face: 10_000, screen: 10_000 } as const

interface Props {
  strip: LiveStrip
  device: LiveDevice | null
  /** False while the station cannot be heard: then every value is stale, whatever its age. */
  isReachable: boolean
  nowMs: number
  statusText: string
  clockText: string
  hasScenario: boolean
}

function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`
}

function Item({ testId, label, value, tone, staleSinceMs, nowMs, title }: { testId: string; label: string; value: string; tone?: 'ok' | 'warn' | 'bad'; staleSinceMs: number | null; nowMs: number; title?: string }) {
  const isStale = staleSinceMs !== null
  return (
    <li className={`strip-item${isStale ? ' is-stale' : ''}${tone && !isStale ? ` tone-${tone}` : ''}`} data-testid={testId} data-stale={isStale ? 'true' : 'false'} title={title}>
      <span className="strip-label">{label}</span> <span className="strip-value">{value}</span>
      {isStale && <span className="strip-age"> (last heard {ageText(nowMs - staleSinceMs)})</span>}
    </li>
  )
}

export function StatusStrip({ strip, device, isReachable, nowMs, statusText, clockText, hasScenario }: Props) {
  const staleAt = (atMs: number | null, limitMs: number): number | null => (atMs !== null && (!isReachable || nowMs - atMs > limitMs) ? atMs : null)

  const headsetState = device?.state ?? 'no headset'
  const rate = strip.eegRateHz !== null ? ` · ${Math.round(strip.eegRateHz)} Hz` : ''
  const face = strip.face
  const faceTone = face ? (face.status === 'tracking' ? 'ok' : face.status === 'no_face' || face.status === 'poor_lighting' ? 'warn' : 'bad') : undefined
  const screenStale = staleAt(strip.screenAtMs, STALE_AFTER_MS.screen)
  const screenText = strip.screenAtMs === null ? 'not connected' : screenStale !== null ? 'not connected' : 'connected'
  const sync = strip.sync

  return (
    <ul className="status-strip" aria-label="Operator status" data-testid="status-strip">
      <Item testId="strip-headset" label="Headset" value={`${headsetState}${rate}`} tone={headsetState === 'streaming' ? 'ok' : 'bad'} staleSinceMs={staleAt(strip.eegAtMs, STALE_AFTER_MS.eeg)} nowMs={nowMs} title="Headset state and EEG samples per second arriving in this view" />
      <Item
        testId="strip-camera"
        label="Camera"
        value={face ? `${face.status}${face.achievedHz !== null ? ` · ${Math.round(face.achievedHz)} Hz` : ''}` : 'no report'}
        tone={faceTone}
        staleSinceMs={face ? staleAt(face.atMs, STALE_AFTER_MS.face) : null}
        nowMs={nowMs}
        title={face?.detail ?? 'Face tracker status and analysed frames per second, as the participant screen reports them'}
      />
      <Item testId="strip-screen" label="Participant screen" value={screenText} tone={screenText === 'connected' ? 'ok' : undefined} staleSinceMs={screenStale} nowMs={nowMs} title="Connected while face or game data arrive from it" />
      <Item testId="strip-drive" label="Drive" value={strip.drive?.status ?? (hasScenario ? 'not started' : 'no scenario')} staleSinceMs={strip.drive && screenStale !== null ? strip.drive.atMs : null} nowMs={nowMs} />
      <Item testId="strip-clock" label="Recording" value={`${statusText} · ${clockText}`} staleSinceMs={null} nowMs={nowMs} />
      <Item
        testId="strip-sync"
        label="Sync backlog"
        value={sync ? `${sync.pendingTotal.toLocaleString('en')} rows · ${sync.state}` : 'not reported'}
        tone={sync?.lastError ? 'warn' : undefined}
        // The station sends sync status when it changes: an old one is current unless the station is unreachable.
        staleSinceMs={sync && !isReachable ? sync.atMs : null}
        nowMs={nowMs}
        title={sync?.lastError ?? (sync ? 'Rows recorded here and not yet in the central database' : 'Researchers and admins see the sync backlog; the station has not sent it on this stream')}
      />
    </ul>
  )
}
