/**
 * Webcam face tracking in the renderer with @vladmandic/human. Models come from the station
 * (`/api/v1/face-models/`), so no request leaves the machine. Only features leave this module, never
 * images: the video frame is read by the detector and by a 32×24 luminance probe, then dropped.
 *
 * Backend: WebGL on a real GPU, else tfjs' WASM backend, with the plain-JS CPU backend as the last
 * resort (`faceBackendOrder` in ./features.ts); the one in use is reported with the
 * achieved detection rate. The WASM binaries, like the models, come from the station.
 */
import type { Config, Human } from '@vladmandic/human'
import {
  createFaceFeatureTracker,
  eyeAspectRatio,
  mouthAspectRatio,
  FACE_DETECT_MEASURE,
  faceBackendOrder,
  type WebGlKind,
  type ClosedCalibrationResult,
  type FaceBackend,
  type FaceFeatureEvent,
  type FaceFeatureOptions,
  type FaceFrameFeatures,
  type Point
} from './features'

export type FaceTrackerStatus =
  | 'starting'
  | 'loading_models'
  | 'calibrating'
  | 'tracking'
  | 'no_face'
  | 'poor_lighting'
  | 'camera_unavailable'
  | 'permission_denied'
  | 'error'
  | 'stopped'

export interface FaceTrackerStatusReport {
  status: FaceTrackerStatus
  /** Detections per second over the last few seconds. */
  achievedRateHz: number
  backend: string | null
  detail?: string
}

export interface FaceTrackerCallbacks {
  onFrame?(frame: FaceFrameFeatures): void
  onEvent?(event: FaceFeatureEvent): void
  onStatus?(report: FaceTrackerStatusReport): void
}

export interface FaceTrackerOptions extends FaceTrackerCallbacks {
  video: HTMLVideoElement
  /** Upper bound on detections per second (the hardware may give fewer). */
  maxRateHz?: number
  modelBasePath?: string
  features?: Partial<FaceFeatureOptions>
  /** Stop after this many detections (tests on slow CPUs). */
  maxFrames?: number
  /** Force a tfjs backend (tests and benches; CPU stays the fallback); by default see `faceBackendOrder`. */
  backend?: FaceBackend
  /** Wall-clock source for event times (UTC ms); performance.now() drives the pacing. */
  nowMs?: () => number
}

/** Mean luminance (0-255) below which detection is unreliable and we say so. */
export const POOR_LIGHT_LUMA = 40

const FACE_ONLY: Partial<Config> = {
  debug: false,
  cacheModels: false,
  warmup: 'none',
  face: {
    enabled: true,
    detector: { enabled: true, rotation: false, maxDetected: 1, return: false },
    mesh: { enabled: true },
    iris: { enabled: true },
    description: { enabled: false },
    emotion: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    attention: { enabled: false },
    gear: { enabled: false }
  } as Config['face'],
  body: { enabled: false } as Config['body'],
  hand: { enabled: false } as Config['hand'],
  object: { enabled: false } as Config['object'],
  gesture: { enabled: false },
  segmentation: { enabled: false } as Config['segmentation'],
  filter: { enabled: false } as Config['filter']
}

const toDeg = (rad: number | undefined) => (rad === undefined ? undefined : (rad * 180) / Math.PI)

/** The WebGL the browser offers, if any, and whether it is a software rasteriser (no usable GPU). */
function webGlKind(): WebGlKind {
  try {
    const canvas = document.createElement('canvas')
    const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl')
    if (!gl) return 'none'
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : ''
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? 'software' : 'hardware'
  } catch {
    return 'none'
  }
}

/** Asks for the camera; maps browser errors to the statuses the operator sees. */
export async function openCamera(deviceId?: string): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('This browser offers no camera access'), { status: 'camera_unavailable' as const })
  try {
    return await navigator.mediaDevices.getUserMedia({ video: deviceId ? { deviceId: { exact: deviceId } } : { width: 640, height: 480 }, audio: false })
  } catch (err) {
    const name = (err as DOMException).name
    const status = name === 'NotAllowedError' || name === 'SecurityError' ? 'permission_denied' : 'camera_unavailable'
    throw Object.assign(new Error((err as Error).message || name), { status })
  }
}

export async function listCameras(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return []
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput')
}

const MAX_DETECT_MEASURES = 1000

function recordDetectTiming(start: number, end: number): void {
  // Bounded, so hours of tracking do not pile up timing entries.
  if (performance.getEntriesByName(FACE_DETECT_MEASURE, 'measure').length >= MAX_DETECT_MEASURES) performance.clearMeasures(FACE_DETECT_MEASURE)
  performance.measure(FACE_DETECT_MEASURE, { start, end })
}

export interface FaceTracker {
  stop(): void
  /** The eyes-closed calibration step: starts now, resolves when its frames are in (see features.ts). */
  calibrateClosedEyes(): Promise<ClosedCalibrationResult>
  readonly done: Promise<void>
}

export function startFaceTracker(options: FaceTrackerOptions): FaceTracker {
  const { video, maxRateHz = 15, modelBasePath = '/api/v1/face-models/', maxFrames = Infinity, nowMs = () => Date.now() } = options
  const features = createFaceFeatureTracker(options.features)
  const probe = document.createElement('canvas')
  probe.width = 32
  probe.height = 24
  const probeContext = probe.getContext('2d', { willReadFrequently: true })
  const detectionTimes: number[] = []
  const loop = { running: true }
  let backend: string | null = null
  let lastStatus: FaceTrackerStatus | null = null
  const closedStep: { resolve: ((result: ClosedCalibrationResult) => void) | null } = { resolve: null }

  const report = (status: FaceTrackerStatus, detail?: string) => {
    const now = performance.now()
    while (detectionTimes.length > 0 && now - detectionTimes[0] > 5000) detectionTimes.shift()
    const achievedRateHz = detectionTimes.length > 1 ? ((detectionTimes.length - 1) * 1000) / (detectionTimes[detectionTimes.length - 1] - detectionTimes[0]) : 0
    if (status !== lastStatus || detectionTimes.length % 10 === 0) options.onStatus?.({ status, achievedRateHz, backend, detail })
    lastStatus = status
  }

  const meanLuma = (): number | null => {
    if (!probeContext || video.readyState < 2) return null
    probeContext.drawImage(video, 0, 0, probe.width, probe.height)
    const { data } = probeContext.getImageData(0, 0, probe.width, probe.height)
    let sum = 0
    for (let i = 0; i < data.length; i += 4) sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]
    return sum / (data.length / 4)
  }

  const done = (async () => {
    report('loading_models')
    const { default: HumanClass } = await import('@vladmandic/human')
    let human: Human | null = null
    let lastError: unknown = null
    // The first backend that starts wins: WebGL can exist yet fail (blocked GPU), WASM can fail to
    // compile (very old browser); tfjs' plain-JS CPU backend always works, slowly.
    for (const candidate of faceBackendOrder(options.backend, webGlKind())) {
      try {
        const attempt = new HumanClass({ ...FACE_ONLY, modelBasePath, wasmPath: modelBasePath, backend: candidate })
        await attempt.load()
        await attempt.tf.ready()
        if (attempt.tf.getBackend() !== candidate) throw new Error(`tfjs started ${attempt.tf.getBackend()} instead of ${candidate}`)
        human = attempt
        break
      } catch (err) {
        lastError = err
      }
    }
    if (!human) throw lastError instanceof Error ? lastError : new Error('no tfjs backend could start')
    backend = human.tf.getBackend()
    let frames = 0
    while (loop.running && frames < maxFrames) {
      const started = performance.now()
      if (video.readyState >= 2) {
        const result = await human.detect(video)
        frames++
        const detected = performance.now()
        detectionTimes.push(detected)
        recordDetectTiming(started, detected)
        const face = result.face[0]
        const tMs = nowMs()
        const mesh = face?.mesh as Point[] | undefined
        const hasMesh = Boolean(mesh && mesh.length >= 468)
        const angle = face?.rotation?.angle
        const { frame, events, closedCalibration } = features.update({
          tMs,
          facePresent: hasMesh,
          ...(hasMesh && mesh
            ? {
                earLeft: eyeAspectRatio(mesh, 'left'),
                earRight: eyeAspectRatio(mesh, 'right'),
                mar: mouthAspectRatio(mesh),
                pitchDeg: toDeg(angle?.pitch),
                yawDeg: toDeg(angle?.yaw),
                rollDeg: toDeg(angle?.roll)
              }
            : {})
        })
        options.onFrame?.(frame)
        for (const event of events) options.onEvent?.(event)
        if (closedCalibration) {
          closedStep.resolve?.(closedCalibration)
          closedStep.resolve = null
        }
        if (hasMesh) report(frame.calibrated ? 'tracking' : 'calibrating')
        else {
          // Only a lost face needs the luminance probe (a frame read back from the video costs a few ms).
          const luma = meanLuma()
          report(luma !== null && luma < POOR_LIGHT_LUMA ? 'poor_lighting' : 'no_face', luma !== null ? `mean luminance ${luma.toFixed(0)}` : undefined)
        }
      }
      const wait = 1000 / maxRateHz - (performance.now() - started)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  })()
    .catch((err: unknown) => {
      report('error', (err as Error).message)
    })
    .finally(() => {
      loop.running = false
      closedStep.resolve?.({ ok: false, reason: 'too_few_frames' })
      closedStep.resolve = null
      report('stopped')
    })

  return {
    stop() {
      loop.running = false
    },
    calibrateClosedEyes() {
      if (!loop.running) return Promise.resolve({ ok: false, reason: 'too_few_frames' })
      closedStep.resolve?.({ ok: false, reason: 'too_few_frames' })
      features.beginClosedCalibration(nowMs())
      return new Promise((resolve) => {
        closedStep.resolve = resolve
      })
    },
    done
  }
}
