/**
 * Waits for the Drive page's face tracker to finish a `?faceFrames=N` run, for the face e2e test and
 * bench/face. The panel starts as 'stopped', so the run counts as done only when the tracker has timed
 * N detector calls (User Timing `FACE_DETECT_MEASURE`, recorded by src/renderer/src/face/face-tracker.ts) and
 * stopped, or when it failed to start (no camera, permission denied, error).
 */
import type { Page } from 'playwright-core'
import { FACE_DETECT_MEASURE } from '../../src/renderer/src/face/features'
import { waitUntil } from './wait'

const STATUS = '[data-testid="face-status"]'
const FAILED = ['error', 'camera_unavailable', 'permission_denied']

export interface FaceRun {
  /** The panel's final data-status. */
  status: string
  /** The panel's text, e.g. "Camera off · cpu · 1.1 Hz" (the participant's view shows only "Camera off"). */
  text: string
  /** The tfjs backend that ran (`data-backend`), null before one was chosen. */
  backend: string | null
  /** Duration of each detector call, in order. */
  detectMs: number[]
  /** Page time (ms since navigation) at which each detector call started. */
  detectStartMs: number[]
}

export async function waitForFaceRun(page: Page, frames: number, timeoutMs = 600_000): Promise<FaceRun> {
  const finished = `(performance.getEntriesByName('${FACE_DETECT_MEASURE}', 'measure').length >= ${frames} && document.querySelector('${STATUS}')?.getAttribute('data-status') === 'stopped') || ${JSON.stringify(FAILED)}.includes(document.querySelector('${STATUS}')?.getAttribute('data-status'))`
  // Polled from here: the station's CSP forbids the string eval behind page.waitForFunction's polling.
  try {
    await waitUntil(async () => (await page.evaluate(finished)) === true, { timeoutMs, intervalMs: 250 })
  } catch {
    throw new Error(`face tracking did not finish ${frames} frames in ${timeoutMs / 1000} s; the panel says: ${await page.locator(STATUS).textContent()}`)
  }
  const measures = (await page.evaluate(`performance.getEntriesByName('${FACE_DETECT_MEASURE}', 'measure').map((m) => [m.startTime, m.duration])`)) as [number, number][]
  return {
    status: (await page.locator(STATUS).getAttribute('data-status')) ?? '',
    text: (await page.locator(STATUS).textContent()) ?? '',
    backend: await page.locator(STATUS).getAttribute('data-backend'),
    detectMs: measures.map((m) => m[1]),
    detectStartMs: measures.map((m) => m[0])
  }
}
