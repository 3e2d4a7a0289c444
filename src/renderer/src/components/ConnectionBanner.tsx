import type { SocketStatus } from '../api/ws'

/** Says plainly when live data is not flowing, and that it will resume by itself. */
export function ConnectionBanner({ status, detail, what }: { status: SocketStatus; detail?: string; what: string }) {
  if (status === 'open' || status === 'closed') return null
  if (status === 'connecting')
    return (
      <div className="banner banner-info" role="status" data-testid="connection-banner">
        Connecting to {what}…
      </div>
    )
  if (status === 'reconnecting')
    return (
      <div className="banner banner-warn" role="status" data-testid="connection-banner">
        Reconnecting to {what}{detail ? ` (${detail})` : ''}… The view resumes by itself.
      </div>
    )
  return (
    <div className="banner banner-bad" role="alert" data-testid="connection-banner">
      {status === 'unauthorized' ? 'Signed out: sign in again to see ' + what + '.' : `The station refused the ${what} connection${detail ? `: ${detail}` : ''}.`}
    </div>
  )
}
