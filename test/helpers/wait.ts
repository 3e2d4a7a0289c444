/**
 * Waiting on a condition instead of the wall clock: a test that waits for what it needs passes on a
 * loaded machine as on an idle one, and only as slowly as the machine is.
 */
export interface WaitOptions {
  /** Generous by design: the deadline only turns a hang into a message. */
  timeoutMs?: number
  intervalMs?: number
  /** Said in the error when the deadline passes. */
  what?: string
}

export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>

/** Resolves with the first truthy value of `probe`; polls, and rejects after `timeoutMs`. */
export async function waitUntil<T>(probe: () => T | Promise<T>, options: WaitOptions = {}): Promise<Truthy<T>> {
  const { timeoutMs = 20_000, intervalMs = 10, what = probe.toString() } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as Truthy<T>
    if (Date.now() > deadline) throw new Error(`waitUntil: not true within ${timeoutMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
