/**
 * Face-tracker frames as a continuous BIDS physio recording (`_recording-face_physio.tsv.gz` + `.json`)
 * beside the EEG, so eye openness and head pose, and from them PERCLOS, can be recomputed from the
 * dataset. BIDS physio needs a fixed rate, while the tracker delivers frames when the detector is done
 * (≤ 15 Hz, fewer on slow machines), so frames are resampled onto a 20 Hz grid by sample-and-hold: a
 * grid point takes the latest frame at or before it, for at most 500 ms (the fatigue engine's rule: a
 * frame stands until the next, at most `maxFrameGapMs`); past that the row is n/a. The grid runs from
 * the first stored frame on the wall clock; `StartTime` places it on the EEG file's axis.
 */
import { Gzip } from 'fflate'
import { FALLBACK_CLOSED_EYE_RATIO } from '../../shared/eye-closure'
import { DEFAULT_ENGINE_OPTIONS } from '../fatigue/types'
import { formatDecimal } from './csv-writer'
import type { FaceFrameRow } from './session-reader'
import type { SampleTimeline } from './timeline'

export const FACE_PHYSIO_RATE_HZ = 20
const HOLD_MS = DEFAULT_ENGINE_OPTIONS.face.maxFrameGapMs

interface PhysioColumn {
  name: string
  /** Wire field of the `frame` event. */
  field: string
  description: string
  units?: string
  decimals: number
}

const COLUMNS: readonly PhysioColumn[] = [
  { name: 'face_present', field: 'facePresent', description: '1 when the tracker found a face in the frame, 0 when not; n/a when no frame stood for this time (tracker off or more than 500 ms without a frame).', decimals: 0 },
  { name: 'ear_left', field: 'earLeft', description: 'Eye aspect ratio of the left eye (Soukupova & Cech 2016) from the face mesh; n/a without a face.', decimals: 4 },
  { name: 'ear_right', field: 'earRight', description: 'Eye aspect ratio of the right eye; n/a without a face.', decimals: 4 },
  {
    name: 'eye_openness_left',
    field: 'eyeOpennessLeft',
    description: "Left eye openness as the tracker computed it: 1 at the subject's open-eye reference, 0 at the closed-eye reference (1 - eye closure); n/a while calibrating or without a face.",
    decimals: 4
  },
  { name: 'eye_openness_right', field: 'eyeOpennessRight', description: 'Right eye openness, as eye_openness_left.', decimals: 4 },
  { name: 'mouth_aspect_ratio', field: 'mar', description: 'Inner-lip opening over mouth width (above 0.5 for 1.5 s or more is a yawn); n/a without a face.', decimals: 4 },
  { name: 'head_pitch', field: 'pitchDeg', description: 'Head pitch from the face mesh.', units: 'deg', decimals: 2 },
  { name: 'head_yaw', field: 'yawDeg', description: 'Head yaw from the face mesh.', units: 'deg', decimals: 2 },
  { name: 'head_roll', field: 'rollDeg', description: 'Head roll from the face mesh.', units: 'deg', decimals: 2 }
]

export interface FacePhysioPlan {
  /** Wall-clock time (UTC epoch ms) of the first grid point and how many rows follow. */
  firstMs: number
  rowCount: number
  sidecar: Record<string, unknown>
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** The grid and the JSON sidecar; null when there is no frame. One pass over the frames. */
export function planFacePhysio(frames: Iterable<FaceFrameRow>, calibrations: readonly FaceFrameRow[], timeline: SampleTimeline): FacePhysioPlan | null {
  let firstMs: number | null = null
  let lastMs = 0
  for (const frame of frames) {
    if (firstMs === null) firstMs = frame.timestampMs
    lastMs = frame.timestampMs
  }
  if (firstMs === null) return null
  const rowCount = Math.floor(((lastMs - firstMs) * FACE_PHYSIO_RATE_HZ) / 1000) + 1
  const closed = calibrations.findLast((c) => num(c.data.closedEarLeft) !== null && num(c.data.closedEarRight) !== null)
  const open = calibrations.at(-1)
  const references = {
    Description:
      "References of the tracker's eye openness: openness = 1 - closure, closure = (EAR_open - EAR) / (EAR_open - EAR_closed) clamped to 0..1 (docs/fatigue.md). The station's fatigue engine applies the same mapping with its own open reference (median EAR of the first 60 s with a face) and the closed reference as a share of open.",
    OpenEarLeft: open ? num(open.data.baselineEarLeft) : null,
    OpenEarRight: open ? num(open.data.baselineEarRight) : null,
    ClosedEarLeft: closed ? num(closed.data.closedEarLeft) : null,
    ClosedEarRight: closed ? num(closed.data.closedEarRight) : null,
    ClosedReferenceSource: closed ? 'eyes-closed calibration step' : `no eyes-closed calibration: ${FALLBACK_CLOSED_EYE_RATIO} x the open EAR`
  }
  const sidecar: Record<string, unknown> = {
    SamplingFrequency: FACE_PHYSIO_RATE_HZ,
    StartTime: Math.round(timeline.fileTimeOf(firstMs) * 1e6) / 1e6,
    Columns: COLUMNS.map((c) => c.name),
    Manufacturer: 'n/a',
    SoftwareVersions: 'Vigil face tracker (@vladmandic/human 3.3.6 face mesh)',
    Description: `Webcam face features (never images), resampled by sample-and-hold onto a ${FACE_PHYSIO_RATE_HZ} Hz grid from the tracker's frames (up to 15 Hz); a frame stands for at most ${HOLD_MS} ms. PERCLOS P80 over a window = share of rows with face_present 1 and eye openness (mean of both eyes) at or below 0.2.`,
    EyeOpennessReferences: references
  }
  for (const c of COLUMNS) sidecar[c.name] = { Description: c.description, ...(c.units ? { Units: c.units } : {}) }
  return { firstMs, rowCount, sidecar }
}

function cell(frame: FaceFrameRow, column: PhysioColumn): string {
  const value = frame.data[column.field]
  if (column.field === 'facePresent') return value === false ? '0' : '1'
  if (frame.data.facePresent === false) return 'n/a'
  const n = num(value)
  return n === null ? 'n/a' : formatDecimal(n, column.decimals)
}

/** The gzip-compressed TSV (no header row: BIDS physio names its columns in the sidecar). */
export function* writeFacePhysio(frames: Iterable<FaceFrameRow>, plan: FacePhysioPlan): Generator<Uint8Array> {
  const encoder = new TextEncoder()
  const out: Uint8Array[] = []
  // mtime 0: the same session gives the same bytes.
  const gzip = new Gzip({ level: 6, mtime: 0 }, (chunk) => out.push(chunk))
  const empty = COLUMNS.map(() => 'n/a').join('\t')
  const iterator = frames[Symbol.iterator]()
  let current: FaceFrameRow | null = null
  let next = iterator.next()
  let text = ''
  for (let k = 0; k < plan.rowCount; k++) {
    const t = plan.firstMs + (k * 1000) / FACE_PHYSIO_RATE_HZ
    while (!next.done && next.value.timestampMs <= t) {
      current = next.value
      next = iterator.next()
    }
    text += `${current && t - current.timestampMs < HOLD_MS ? COLUMNS.map((c) => cell(current!, c)).join('\t') : empty}\n`
    if (text.length >= 64 * 1024) {
      gzip.push(encoder.encode(text))
      text = ''
      yield* out.splice(0)
    }
  }
  gzip.push(encoder.encode(text), true)
  yield* out.splice(0)
}
