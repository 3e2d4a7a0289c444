/**
 * The operator's drive control for the live view: start, pause, resume and end the participant's
 * drive, with its state and scenario clock as the participant's screen reports them. Commands travel
 * as `drive_command` game events on the session WebSocket, so they are also stored with the session.
 */
import { useEffect, useRef, useState } from 'react'
import { gameEventsMessageSchema } from '@shared/protocol/station-messages'
import type { DriveCommand } from '@shared/game/events'
import type { DriveStatus } from './sim'
import { LiveSocket, type SocketStatus } from '../api/ws'
import { driveCommandMessage } from './game-link'
import { openParticipantScreen } from './participant-screen'
import './game.css'

interface DriveReport {
  status: DriveStatus | 'unknown'
  scenarioId: string | null
  scenarioMs: number | null
}

/** The drive's state after one of its events; null when the event does not change it. */
function reduce(report: DriveReport, event: { kind: string; [key: string]: unknown }): DriveReport | null {
  const tMs = typeof event.tMs === 'number' ? event.tMs : report.scenarioMs
  switch (event.kind) {
    case 'drive_ready':
      return { status: event.status as DriveStatus, scenarioId: String(event.scenarioId), scenarioMs: null }
    case 'started':
      return { status: 'running', scenarioId: String(event.scenarioId), scenarioMs: tMs }
    case 'resumed':
      return { ...report, status: 'running', scenarioMs: tMs }
    case 'paused':
      return { ...report, status: 'paused', scenarioMs: tMs }
    case 'ended':
      return { ...report, status: 'ended', scenarioMs: tMs }
    case 'state':
      // telemetry at 30 Hz: only the clock moves; a 1-s resolution is all the control shows
      if (report.scenarioMs !== null && tMs !== null && Math.floor(tMs / 1000) === Math.floor(report.scenarioMs / 1000) && report.status === 'running') return null
      return { ...report, status: report.status === 'unknown' ? 'running' : report.status, scenarioMs: tMs }
    default:
      return null
  }
}

function clock(ms: number | null): string {
  if (ms === null) return '–'
  const s = Math.floor(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

export function DriveControl({ sessionId }: { sessionId: string }) {
  const [report, setReport] = useState<DriveReport>({ status: 'unknown', scenarioId: null, scenarioMs: null })
  const [socketStatus, setSocketStatus] = useState<SocketStatus>('connecting')
  const [isConfirmingEnd, setIsConfirmingEnd] = useState(false)
  const socketRef = useRef<LiveSocket | null>(null)
  const seqRef = useRef(0)

  useEffect(() => {
    const socket = new LiveSocket({
      path: `/api/v1/ws/session/${encodeURIComponent(sessionId)}`,
      onMessage(message) {
        if ((message as { type?: unknown }).type !== 'game.events') return
        const parsed = gameEventsMessageSchema.safeParse(message)
        if (!parsed.success) return
        setReport((current) => parsed.data.events.reduce((r, envelope) => reduce(r, envelope.event) ?? r, current))
      },
      onStatus: setSocketStatus
    })
    socketRef.current = socket
    socket.start()
    return () => {
      socket.stop()
      socketRef.current = null
    }
  }, [sessionId])

  const send = (command: DriveCommand) => {
    setIsConfirmingEnd(false)
    socketRef.current?.send(driveCommandMessage(command, seqRef.current++))
  }
  const isOpen = socketStatus === 'open'
  const { status } = report
  const can = (command: DriveCommand) =>
    isOpen &&
    (status === 'unknown' ||
      (command === 'start' && status === 'ready') ||
      (command === 'pause' && status === 'running') ||
      (command === 'resume' && status === 'paused') ||
      (command === 'end' && (status === 'running' || status === 'paused')))

  return (
    <div className="game-control" data-testid="drive-control" data-status={status}>
      <span className="game-control-status" data-testid="drive-control-status">
        Drive: {status === 'unknown' ? 'no report from the participant screen yet' : status}
        {report.scenarioId ? ` · ${report.scenarioId}` : ''} · {clock(report.scenarioMs)}
      </span>
      <button type="button" onClick={() => send('start')} disabled={!can('start')}>
        Start drive
      </button>
      {status === 'paused' ? (
        <button type="button" onClick={() => send('resume')} disabled={!can('resume')}>
          Resume
        </button>
      ) : (
        <button type="button" onClick={() => send('pause')} disabled={!can('pause')}>
          Pause
        </button>
      )}
      <button type="button" onClick={() => openParticipantScreen(sessionId)} title="The participant's Drive page, in its own window (full screen on a second display in the desktop app)">
        Participant screen
      </button>
      {isConfirmingEnd ? (
        <button type="button" onClick={() => send('end')} disabled={!can('end')}>
          Confirm end
        </button>
      ) : (
        <button type="button" onClick={() => setIsConfirmingEnd(true)} disabled={!can('end')}>
          End drive
        </button>
      )}
    </div>
  )
}
