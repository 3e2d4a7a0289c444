/** UUIDv7 ids: time-ordered, so they index well, and unique across stations. */
import { v7 } from 'uuid'

export function newId(): string {
  return v7()
}

export function nowIso(nowMs: number = Date.now()): string {
  return new Date(nowMs).toISOString()
}
