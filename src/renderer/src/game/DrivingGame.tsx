/**
 * The participant's screen for a session's drive (/drive/:sessionId): full-window road, speed and
 * time left, the PVT stimuli and the KSS prompt, and nothing about fatigue. The operator starts,
 * pauses and ends it from the live view (DriveControl); the participant only drives and answers.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { Scenario } from '@shared/schemas/scenario'
import { sessionsApi } from '../api/endpoints'
import type { SocketStatus } from '../api/ws'
import { startDriveLoop, type DriveLoop, type DriveLoopState } from './drive-loop'
import { createGameLink } from './game-link'
import { KssPrompt } from './KssPrompt'
import { resolveScenario } from './scenarios'
import './game.css'

export interface DrivingGameProps {
  sessionId: string
}

type Setup = { phase: 'loading' } | { phase: 'waiting_scenario'; detail: string } | { phase: 'ready'; scenario: Scenario } | { phase: 'error'; detail: string }

/** The participant reads plain words; the station's code stays in a data attribute for the operator and tests. */
function participantMessage(code: string): string {
  if (code === 'SESSION_NOT_RECORDING') return 'The recording is not running. Please wait for the operator.'
  if (code === 'RATE_LIMITED') return 'The station is busy. Keep driving; please tell the operator if this stays.'
  return 'The station did not accept the last data. Keep driving and tell the operator.'
}

function participantLinkText(status: SocketStatus): string {
  if (status === 'connecting') return 'Connecting to the station…'
  if (status === 'reconnecting') return 'Connection to the station lost. Reconnecting…'
  return 'Not connected to the station. Please tell the operator.'
}

declare global {
  interface Window {
    /** Present only with `?measure=1`: the running loop, read by bench/game.bench.ts. */
    vigilDriveProbe?: DriveLoop
  }
}

function toggleFullscreen() {
  if (document.fullscreenElement) void document.exitFullscreen()
  else void document.documentElement.requestFullscreen?.().catch(() => undefined)
}

export function DrivingGame({ sessionId }: DrivingGameProps) {
  const [setup, setSetup] = useState<Setup>({ phase: 'loading' })
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const [loopState, setLoopState] = useState<DriveLoopState>({ status: 'ready', kssPromptId: null, lastKssAnswer: null, kssAnswers: 0, kssCursor: null })
  const [link, setLink] = useState<{ status: SocketStatus; detail?: string }>({ status: 'connecting' })
  const [stationError, setStationError] = useState<{ code: string; text: string } | null>(null)

  useEffect(() => {
    let isCancelled = false
    let retry: ReturnType<typeof setTimeout> | undefined
    const fromQuery = new URLSearchParams(window.location.search).get('scenario')
    // The scenario is the operator's choice (the session's record): until there is one, wait and look again.
    const load = () =>
      sessionsApi
        .get(sessionId)
        .then((session) => {
          if (isCancelled) return
          const ref = session.scenario ?? (fromQuery ? { id: fromQuery, seed: undefined } : null)
          const scenario = ref ? resolveScenario(ref.id, ref.seed) : null
          if (scenario) return setSetup({ phase: 'ready', scenario })
          setSetup({ phase: 'waiting_scenario', detail: ref ? `scenario "${ref.id}" is not in this build` : 'no scenario chosen' })
          retry = setTimeout(load, 3000)
        })
        .catch(() => {
          if (!isCancelled) setSetup({ phase: 'error', detail: 'Please tell the operator.' })
        })
    void load()
    return () => {
      isCancelled = true
      clearTimeout(retry)
    }
  }, [sessionId])

  const scenario = setup.phase === 'ready' ? setup.scenario : null
  useEffect(() => {
    if (!scenario || !canvasRef.current) return
    let loop: DriveLoop | null = null
    const gameLink = createGameLink({
      sessionId,
      onCommand: (command) => loop?.command(command),
      onStatus: (status, detail) => setLink({ status, detail }),
      onError: (code) => setStationError({ code, text: participantMessage(code) }),
      onAck: () => setStationError(null),
      // game data is refused unless the session records, so the drive follows a paused or stopped session
      onSessionStatus: (status) => {
        if (status === 'paused') loop?.command('pause')
        else if (status === 'completed' || status === 'aborted' || status === null) loop?.command('end')
      }
    })
    loop = startDriveLoop({
      scenario,
      canvas: canvasRef.current,
      link: gameLink,
      onState: setLoopState,
      isMeasuring: new URLSearchParams(window.location.search).get('measure') === '1'
    })
    if (new URLSearchParams(window.location.search).get('measure') === '1') window.vigilDriveProbe = loop
    const onKey = (event: KeyboardEvent) => {
      if (event.code === 'KeyF' && !event.repeat) toggleFullscreen()
    }
    // a hidden screen cannot be driven (and gets no animation frames): pause, so the gap is on record
    const onVisibility = () => {
      if (document.hidden) loop?.command('pause')
    }
    window.addEventListener('keydown', onKey)
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      window.removeEventListener('keydown', onKey)
      document.removeEventListener('visibilitychange', onVisibility)
      loop?.stop()
      gameLink.dispose()
      delete window.vigilDriveProbe
    }
  }, [scenario, sessionId])

  return (
    <div className="game-root" data-testid="drive-game" data-status={scenario ? loopState.status : setup.phase}>
      <canvas ref={canvasRef} className="game-canvas" aria-label="Driving scene" />
      {setup.phase === 'loading' && <Overlay title="Loading the drive…" />}
      {setup.phase === 'error' && <Overlay title="The drive could not be loaded" text={setup.detail} />}
      {setup.phase === 'waiting_scenario' && (
        <div data-testid="drive-waiting-scenario" data-detail={setup.detail}>
          <Overlay title="Please wait" text="The operator is preparing your drive." />
        </div>
      )}
      {scenario && loopState.status === 'ready' && (
        <Overlay title={scenario.name} text="Waiting for the operator to start the drive.">
          <p className="game-keys">Steer with ← → (or A D, or a gamepad stick). Brake with ↓. When a red light or brake lights appear, press Space or brake at once. Press F for full screen.</p>
        </Overlay>
      )}
      {scenario && loopState.status === 'paused' && <Overlay title="Paused" text="The operator paused the drive." />}
      {scenario && loopState.status === 'ended' && <Overlay title="Drive complete" text="Thank you. Please wait for the operator." />}
      {scenario && <KssPrompt isOpen={loopState.kssPromptId !== null} lastAnswer={loopState.lastKssAnswer} answerCount={loopState.kssAnswers} cursor={loopState.kssCursor} />}
      {scenario && (link.status !== 'open' || stationError) && (
        <div className="game-link-status" data-testid="drive-link" data-status={link.status} data-code={stationError?.code}>
          {link.status !== 'open' ? participantLinkText(link.status) : stationError?.text}
        </div>
      )}
    </div>
  )
}

function Overlay({ title, text, children }: { title: string; text?: string; children?: ReactNode }) {
  return (
    <div className="game-overlay">
      <h2>{title}</h2>
      {text && <p>{text}</p>}
      {children}
    </div>
  )
}
