import { useEffect, useRef, useState } from 'react'
import type { ClosedCalibrationResult, FaceBackend, FaceFeatureEvent, FaceFrameFeatures } from './features'
import { listCameras, openCamera, startFaceTracker, type FaceTracker, type FaceTrackerStatusReport } from './face-tracker'

export interface FaceCameraPanelProps {
  /** Receives every analysed frame (features only, never pixels). */
  onFrame?(frame: FaceFrameFeatures): void
  onEvent?(event: FaceFeatureEvent): void
  onStatus?(report: FaceTrackerStatusReport): void
  /** The operator sees the preview; the participant sees only that the camera is on. */
  showPreview?: boolean
  autoStart?: boolean
  maxRateHz?: number
  maxFrames?: number
  backend?: FaceBackend
  /**
   * On the participant's screen: no camera choice, no stop button, no tracker numbers. The participant
   * must not be cued by measurements nor switch the camera off by accident; they see that it is on.
   */
  isParticipantView?: boolean
  /** Offer the eyes-closed calibration step (the participant's screen). */
  offerClosedCalibration?: boolean
}

type ClosedStep = { phase: 'idle' } | { phase: 'countdown'; secondsLeft: number } | { phase: 'closed' } | { phase: 'done'; result: ClosedCalibrationResult }

const CLOSED_STEP_TEXT: Record<Exclude<ClosedCalibrationResult, { ok: true }>['reason'], string> = {
  no_open_baseline: 'Keep your eyes open towards the screen for a few seconds first, then try again.',
  too_few_frames: 'Too few camera frames while your eyes were closed; please try again.',
  eyes_not_closed: 'Your eyes did not seem closed; please try again and keep them closed until the tone.'
}

/** A short tone that tells the participant, eyes closed, that the step is over. */
function playTone(): void {
  try {
    const audio = new AudioContext()
    const oscillator = audio.createOscillator()
    oscillator.frequency.value = 880
    oscillator.connect(audio.destination)
    oscillator.start()
    oscillator.stop(audio.currentTime + 0.3)
    oscillator.addEventListener('ended', () => void audio.close(), { once: true })
  } catch {
    // No audio output: the on-screen text still says the step is over.
  }
}

const HIDDEN_VIDEO = { position: 'absolute', width: 2, height: 2, opacity: 0, pointerEvents: 'none' } as const

const STATUS_TEXT: Record<FaceTrackerStatusReport['status'], string> = {
  starting: 'Starting camera…',
  loading_models: 'Loading face models…',
  calibrating: 'Calibrating: please look at the road with eyes open',
  tracking: 'Tracking',
  no_face: 'No face in view',
  poor_lighting: 'Too dark to track the face',
  camera_unavailable: 'No camera available',
  permission_denied: 'Camera permission denied',
  error: 'Face tracking failed',
  stopped: 'Camera off'
}

/** Camera selection, optional preview and live status of the face tracker. */
/** What the participant reads instead: plain words, no numbers, no error details. */
const PARTICIPANT_TEXT: Record<FaceTrackerStatusReport['status'], string> = {
  starting: 'Starting the camera…',
  loading_models: 'Starting the camera…',
  calibrating: 'Please look at the road with your eyes open',
  tracking: 'Camera on',
  no_face: 'Please stay in front of the screen',
  poor_lighting: 'The room is too dark for the camera: please tell the operator',
  camera_unavailable: 'No camera: please tell the operator',
  permission_denied: 'The camera is blocked: please tell the operator',
  error: 'The camera stopped: please tell the operator',
  stopped: 'Camera off'
}

export function FaceCameraPanel({ onFrame, onEvent, onStatus, showPreview = true, autoStart = false, maxRateHz, maxFrames, backend, isParticipantView = false, offerClosedCalibration = false }: FaceCameraPanelProps) {
  const videoRef = useRef<HTMLVideoElement>(null)
  const trackerRef = useRef<FaceTracker | null>(null)
  const streamRef = useRef<MediaStream | null>(null)
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([])
  const [cameraId, setCameraId] = useState<string>('')
  const [report, setReport] = useState<FaceTrackerStatusReport>({ status: 'stopped', achievedRateHz: 0, backend: null })
  const [frame, setFrame] = useState<FaceFrameFeatures | null>(null)
  const [closedStep, setClosedStep] = useState<ClosedStep>({ phase: 'idle' })
  const callbacks = useRef({ onFrame, onEvent, onStatus })
  callbacks.current = { onFrame, onEvent, onStatus }

  const stop = () => {
    trackerRef.current?.stop()
    trackerRef.current = null
    streamRef.current?.getTracks().forEach((t) => t.stop())
    streamRef.current = null
  }

  const update = (r: FaceTrackerStatusReport) => {
    setReport(r)
    callbacks.current.onStatus?.(r)
  }

  const start = async () => {
    stop()
    update({ status: 'starting', achievedRateHz: 0, backend: null })
    try {
      const stream = await openCamera(cameraId || undefined)
      streamRef.current = stream
      const video = videoRef.current!
      video.srcObject = stream
      await video.play()
      setCameras(await listCameras())
      trackerRef.current = startFaceTracker({
        video,
        maxRateHz,
        maxFrames,
        backend,
        onFrame: (f) => {
          setFrame(f)
          callbacks.current.onFrame?.(f)
        },
        onEvent: (e) => callbacks.current.onEvent?.(e),
        onStatus: update
      })
    } catch (err) {
      const status = (err as { status?: FaceTrackerStatusReport['status'] }).status ?? 'error'
      update({ status, achievedRateHz: 0, backend: null, detail: (err as Error).message })
    }
  }

  // The tracker's step starts at the click (so closing the eyes during the countdown is not counted as a
  // closure): three seconds to read and close the eyes, then eyes closed until the tone.
  const calibrateClosed = async () => {
    const tracker = trackerRef.current
    if (!tracker) return setClosedStep({ phase: 'done', result: { ok: false, reason: 'too_few_frames' } })
    const step = tracker.calibrateClosedEyes()
    for (let s = 3; s > 0; s--) {
      setClosedStep({ phase: 'countdown', secondsLeft: s })
      await new Promise((r) => setTimeout(r, 1000))
    }
    setClosedStep({ phase: 'closed' })
    const result = await step
    playTone()
    setClosedStep({ phase: 'done', result })
  }

  useEffect(() => {
    void listCameras().then(setCameras)
    if (autoStart) void start()
    return stop
    // start/stop read refs; run once on mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  const isOn = streamRef.current !== null && report.status !== 'stopped'
  return (
    <section className="face-panel" data-testid="face-panel" aria-label="Face tracking">
      <div className="face-panel-controls">
        {!isParticipantView && (
          <label>
            Camera{' '}
            <select value={cameraId} onChange={(e) => setCameraId(e.target.value)} aria-label="Camera">
              <option value="">Default camera</option>
              {cameras.map((c, i) => (
                <option key={c.deviceId || i} value={c.deviceId}>
                  {c.label || `Camera ${i + 1}`}
                </option>
              ))}
            </select>
          </label>
        )}
        {isParticipantView ? null : isOn ? (
          <button type="button" onClick={stop}>
            Stop camera
          </button>
        ) : (
          <button type="button" onClick={() => void start()}>
            Start camera
          </button>
        )}
        {isOn && <span className="camera-on-indicator" data-testid="camera-on">● Camera on</span>}
      </div>
      {/* Without a preview the video stays rendered (tiny, transparent): a display:none video may not
          decode frames, and the tracker would wait forever. */}
      <video ref={videoRef} muted playsInline className={showPreview ? 'face-preview' : 'face-preview-off'} style={showPreview ? undefined : HIDDEN_VIDEO} />
      <p className={`face-status face-status-${report.status}`} data-testid="face-status" data-status={report.status} data-backend={report.backend ?? undefined} data-rate-hz={report.achievedRateHz.toFixed(1)}>
        {isParticipantView ? (
          PARTICIPANT_TEXT[report.status]
        ) : (
          <>
            {STATUS_TEXT[report.status]}
            {report.backend && ` · ${report.backend} · ${report.achievedRateHz.toFixed(1)} Hz`}
            {report.detail && ` (${report.detail})`}
          </>
        )}
      </p>
      {offerClosedCalibration && isOn && report.status === 'tracking' && (
        <div className="face-closed-calibration" data-testid="face-closed-calibration" data-phase={closedStep.phase}>
          {closedStep.phase === 'idle' && (
            <button type="button" onClick={() => void calibrateClosed()}>
              Calibrate closed eyes
            </button>
          )}
          {closedStep.phase === 'countdown' && <p>Close your eyes in {closedStep.secondsLeft}… and keep them closed until you hear the tone.</p>}
          {closedStep.phase === 'closed' && <p>Keep your eyes closed until the tone.</p>}
          {closedStep.phase === 'done' && (
            <p data-ok={closedStep.result.ok}>
              {closedStep.result.ok ? 'Thank you, you can open your eyes.' : CLOSED_STEP_TEXT[closedStep.result.reason]}{' '}
              <button type="button" onClick={() => void calibrateClosed()}>
                {closedStep.result.ok ? 'Calibrate again' : 'Try again'}
              </button>
            </p>
          )}
        </div>
      )}
      {!isParticipantView && frame?.facePresent && (
        <dl className="face-metrics" data-testid="face-metrics">
          <dt>Eye openness</dt>
          <dd>
            {frame.eyeOpennessLeft === null ? 'calibrating' : `${Math.round(frame.eyeOpennessLeft * 100)}% / ${Math.round((frame.eyeOpennessRight ?? 0) * 100)}%`}
          </dd>
          <dt>EAR</dt>
          <dd data-testid="face-ear">{`${frame.earLeft?.toFixed(3)} / ${frame.earRight?.toFixed(3)}`}</dd>
          <dt>Head pitch/yaw/roll</dt>
          <dd>{[frame.pitchDeg, frame.yawDeg, frame.rollDeg].map((a) => (a === undefined ? '–' : `${a.toFixed(0)}°`)).join(' / ')}</dd>
        </dl>
      )}
    </section>
  )
}
