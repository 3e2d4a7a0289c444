/**
 * What every byte parser returns. Parsers are pure state machines: `decode(state, bytes)` mutates only
 * its own state object, never throws, and reports bad input as counters instead of exceptions.
 */

/** Something the headset reported besides samples (ThinkGear eSense values, a line-protocol header...). */
export interface DecodedEvent {
  name: string
  /** Index (within this batch) of the sample this event arrived before. */
  atSample: number
  value: number | number[] | string[]
}

export interface DecodedBatch {
  count: number
  channelCount: number
  /** Interleaved µV, `count * channelCount` long. */
  samplesUv: Float32Array
  /** The device's own (wrapping) sample counter per sample, or null when the protocol has none. */
  counters: Int32Array | null
  events: DecodedEvent[]
}

export interface ParserStats {
  /** Frames decoded into samples or events. */
  frames: number
  /** Bytes skipped while looking for the next frame. */
  garbageBytes: number
  /** Runs of skipped bytes: each is one resynchronisation. */
  resyncs: number
  /** Frames with a bad checksum, footer, length or content. */
  badFrames: number
}

export function emptyParserStats(): ParserStats {
  return { frames: 0, garbageBytes: 0, resyncs: 0, badFrames: 0 }
}

/** What a driver counts as parse errors: every resync plus every rejected frame. */
export function parseErrorCount(stats: ParserStats): number {
  return stats.resyncs + stats.badFrames
}

export const EMPTY_EVENTS: DecodedEvent[] = []

/** Joins a carried-over partial frame with a new chunk (copies only when there is a carry). */
export function joinCarry(carry: Uint8Array, carryLength: number, chunk: Uint8Array): Uint8Array {
  if (carryLength === 0) return chunk
  const joined = new Uint8Array(carryLength + chunk.length)
  joined.set(carry.subarray(0, carryLength), 0)
  joined.set(chunk, carryLength)
  return joined
}
