import { useEffect, useRef, useState } from 'react'
import { FACE_BACKENDS, type FaceFeatureEvent, type FaceFrameFeatures } from './features'
import type { FaceEvent } from '@shared/protocol/common'
import { createSessionProducer, type SessionProducer } from '../api/session-producer'
import type { DriveSlotProps } from '../drive-slots'
import { FaceCameraPanel } from './FaceCameraPanel'
import type { FaceTrackerStatusReport } from './face-tracker'

/** Tracker statuses as the wire protocol names them; transient start-up states are not sent. */
const WIRE_STATUS: Partial<Record<FaceTrackerStatusReport['status'], Extract<FaceEvent, { kind: 'status' }>['status']>> = {
  calibrating: 'tracking',
  tracking: 'tracking',
  no_face: 'no_face',
  poor_lighting: 'poor_lighting',
  camera_unavailable: 'no_camera',
  permission_denied: 'permission_denied',
  error: 'stopped',
  stopped: 'stopped'
}

/**
 * Face tracking on the participant's Drive page: features (never images) go to the session's
 * WebSocket as `face.events`. The participant sees that the camera is on; the preview is optional.
 * Query `?faceFrames=N` limits the number of analysed frames and `?faceBackend=cpu|wasm|webgl` forces a
 * tfjs backend (tests and benches on slow CPUs).
 */
export function FaceDriveSlot({ sessionId }: DriveSlotProps) {
  const producer = useRef<SessionProducer<'face.events'> | null>(null)
  const [stored, setStored] = useState(0)
  const lastWireStatus = useRef<string | null>(null)
  const params = new URLSearchParams(window.location.search)
  const maxFrames = params.has('faceFrames') ? Number(params.get('faceFrames')) : undefined
  const forcedBackend = params.get('faceBackend')
  const backend = FACE_BACKENDS.find((b) => b === forcedBackend)

  useEffect(() => {
    const p = createSessionProducer({ sessionId, type: 'face.events', flushIntervalMs: 250 })
    producer.current = p
    const timer = setInterval(() => setStored(p.stats.acked), 1000)
    return () => {
      clearInterval(timer)
      p.dispose()
      producer.current = null
    }
  }, [sessionId])

  const onFrame = (frame: FaceFrameFeatures) => {
    producer.current?.send({
      kind: 'frame',
      tMs: frame.tMs,
      facePresent: frame.facePresent,
      eyeOpennessLeft: frame.eyeOpennessLeft,
      eyeOpennessRight: frame.eyeOpennessRight,
      earLeft: frame.earLeft,
      earRight: frame.earRight,
      mar: frame.mar,
      pitchDeg: frame.pitchDeg,
      yawDeg: frame.yawDeg,
      rollDeg: frame.rollDeg,
      calibrated: frame.calibrated
    })
  }
  const onEvent = (event: FaceFeatureEvent) => producer.current?.send(event)
  const onStatus = (report: FaceTrackerStatusReport) => {
    const status = WIRE_STATUS[report.status]
    // Status changes always go out; the achieved rate is refreshed with every tenth frame.
    if (!status) return
    if (status === lastWireStatus.current && report.achievedRateHz === 0) return
    lastWireStatus.current = status
    producer.current?.send({ kind: 'status', tMs: Date.now(), status, detail: report.detail, achievedHz: report.achievedRateHz })
  }

  return (
    // The stored count is for tests and the operator's tools, not for the participant's eyes.
    <div className="face-drive-slot" data-testid="face-events-stored" data-count={stored}>
      <FaceCameraPanel
        onFrame={onFrame}
        onEvent={onEvent}
        onStatus={onStatus}
        showPreview={params.get('facePreview') === '1'}
        autoStart
        maxFrames={maxFrames}
        backend={backend}
        isParticipantView
        offerClosedCalibration
      />
    </div>
  )
}
