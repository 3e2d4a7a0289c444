import { driveSlots } from '../drive-slots'
import { sessionsApi } from '../api/endpoints'
import { ErrorNote, Skeleton } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'

/**
 * The participant's screen for a session: the driving game fills the page, the face tracker runs in a
 * corner. No navigation, no numbers about fatigue: the participant must not be cued.
 */
export function DrivePage({ sessionId }: { sessionId: string }) {
  const session = useQuery(() => sessionsApi.get(sessionId), [sessionId])
  const Game = driveSlots.game
  const Face = driveSlots.face
  if (session.isLoading && !session.data) return <Skeleton lines={4} label="Loading session" />
  if (!session.data) return <ErrorNote error={session.error} onRetry={() => void session.reload()} />
  return (
    <div className="drive-page" data-testid="drive-page" data-session-id={sessionId}>
      <div className="drive-game" data-testid="drive-game-slot">
        {Game ? <Game sessionId={sessionId} /> : <p className="muted">The driving game is not available in this build.</p>}
      </div>
      <aside className="drive-face" data-testid="drive-face-slot" aria-label="Camera">
        {Face ? <Face sessionId={sessionId} /> : null}
      </aside>
    </div>
  )
}
