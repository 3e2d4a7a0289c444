/**
 * The live view's EEG traces scroll while samples arrive. Whether they move is a condition to poll,
 * not two shots a fixed time apart: on a loaded host a second may pass between frames.
 */
import type { Page } from 'playwright-core'

/**
 * A probe for `expect.poll`: true once the traces differ from the previous call's shot. The first
 * call only takes the reference shot.
 */
export function tracesMoving(page: Page): () => Promise<boolean> {
  let previous: Buffer | null = null
  return async () => {
    const shot = await page.getByTestId('eeg-traces').screenshot()
    const hasMoved = previous !== null && !shot.equals(previous)
    previous = shot
    return hasMoved
  }
}
