/**
 * The stored identity of a face or game event (`event_id`, unique per session and stream; migration
 * 008). A producer-chosen `id` is used as is. An event without one (clients older than the id) gets a
 * key derived from its content and its position among identical events of the same message: a
 * re-sent batch yields the same keys and is stored once, while two events that differ in anything
 * (time, kind or any field) are both stored. Derived keys start with `~`, which producer ids cannot
 * (src/shared/protocol/common.ts), so the two never collide.
 */
import { createHash } from 'node:crypto'
import type { TimedEvent } from '../events'

export interface KeyedEvent {
  event: TimedEvent
  eventId: string
  dataJson: string
}

export function keyEvents(events: readonly TimedEvent[]): KeyedEvent[] {
  const occurrences = new Map<string, number>()
  return events.map((event) => {
    const dataJson = JSON.stringify(event.data)
    if (event.id !== undefined) return { event, eventId: event.id, dataJson }
    const content = `${event.kind}\u0000${event.tMs}\u0000${dataJson}`
    const n = occurrences.get(content) ?? 0
    occurrences.set(content, n + 1)
    const digest = createHash('sha256').update(`${content}\u0000${n}`).digest('base64url').slice(0, 27)
    return { event, eventId: `~${digest}`, dataJson }
  })
}
