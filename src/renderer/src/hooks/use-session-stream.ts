import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { ClientMessage } from '@shared/protocol/client-messages'
import { LiveSocket, type SocketStatus } from '../api/ws'
import { decodeMessage } from '../live/protocol'
import { SessionLive, type LiveSnapshot } from '../live/session-live'

export interface SessionStream {
  live: SessionLive
  snapshot: LiveSnapshot
  socketStatus: SocketStatus
  socketDetail: string | undefined
  /** Sends a client message (src/shared/protocol/client-messages.ts) if the socket is open; false otherwise. */
  send(message: ClientMessage): boolean
}

/**
 * Subscribes to `/ws/session/:id` for as long as the component is mounted, resuming after drops.
 * One SessionLive per mount: the page is keyed by session id, so a new session is a new mount.
 */
export function useSessionStream(sessionId: string): SessionStream {
  const [live] = useState(() => new SessionLive())
  const [socketStatus, setSocketStatus] = useState<SocketStatus>('connecting')
  const [socketDetail, setSocketDetail] = useState<string | undefined>()
  const snapshot = useSyncExternalStore(
    (listener) => live.subscribe(listener),
    () => live.snapshot
  )

  const socketRef = useRef<LiveSocket | null>(null)
  useEffect(() => {
    const socket = new LiveSocket({
      path: `/api/v1/ws/session/${encodeURIComponent(sessionId)}`,
      onMessage: (message) => live.apply(decodeMessage(message)),
      onStatus: (status, detail) => {
        setSocketStatus(status)
        setSocketDetail(detail)
      },
      staleAfterMs: 10_000
    })
    socket.start()
    socketRef.current = socket
    return () => {
      socketRef.current = null
      socket.stop()
      live.dispose()
    }
  }, [live, sessionId])

  const send = useCallback((message: ClientMessage) => socketRef.current?.send(message) ?? false, [])
  return { live, snapshot, socketStatus, socketDetail, send }
}
