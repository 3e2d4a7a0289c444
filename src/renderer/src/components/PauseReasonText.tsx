import type { PauseReason } from '@shared/schemas/sessions'
import { formatDuration } from './ui/ui'

/** Why the station paused a session by itself, and what is missing because of it. */
export function PauseReasonText({ reason }: { reason: PauseReason }) {
  const at = new Date(reason.at)
  const missingS = reason.last_sample_at ? Math.round((at.getTime() - Date.parse(reason.last_sample_at)) / 1000) : null
  return (
    <span data-testid="pause-reason">
      Paused by the station: it restarted at {at.toLocaleTimeString(undefined, { hour12: false })} while this session was recording (crash, power loss or restart).
      {missingS !== null && missingS > 0
        ? ` Nothing was stored from ${new Date(reason.last_sample_at!).toLocaleTimeString(undefined, { hour12: false })} until then (${formatDuration(missingS * 1000)} missing).`
        : ''}
    </span>
  )
}
