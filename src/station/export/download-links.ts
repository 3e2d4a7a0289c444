/**
 * One-time download links for exports. A browser starts a native download (its own progress bar,
 * straight to disk, no copy in page memory) only from a plain GET, which cannot carry the bearer
 * header. So the signed-in client asks for a link (POST with its token; the export is prepared then,
 * so "nothing recorded" is an error the page can show), then navigates to it. A link is a random
 * 256-bit id, used once, valid for a minute, and bound to the user who asked for it. Links live in
 * memory: a station restart voids them, which costs one click.
 */
import { randomBytes } from 'node:crypto'
import { VigilError } from '../../shared/errors'
import type { Clock } from '../clock'

export const DOWNLOAD_LINK_TTL_MS = 60_000
/** More unredeemed links than this per user at once is a script, not a researcher. */
const MAX_OPEN_LINKS_PER_USER = 20

interface OpenLink<T> {
  userId: string
  issuedAtMs: number
  expiresAtMs: number
  payload: T
}

export interface DownloadLinks<T> {
  /** A new link id for `payload`; RATE_LIMITED when too many are open. */
  issue(userId: string, payload: T): { id: string; expiresAtMs: number }
  /** The link's contents, once: an unknown, used or expired id is NOT_FOUND. */
  redeem(id: string): { userId: string; issuedAtMs: number; payload: T }
  readonly openCount: number
}

export function createDownloadLinks<T>(clock: Clock, ttlMs = DOWNLOAD_LINK_TTL_MS): DownloadLinks<T> {
  const links = new Map<string, OpenLink<T>>()
  const prune = (nowMs: number) => {
    for (const [id, link] of links) if (link.expiresAtMs <= nowMs) links.delete(id)
  }
  return {
    issue(userId, payload) {
      const nowMs = clock.wallMs()
      prune(nowMs)
      let open = 0
      for (const link of links.values()) if (link.userId === userId) open++
      if (open >= MAX_OPEN_LINKS_PER_USER) throw new VigilError('RATE_LIMITED', 'Too many open download links; use or let them expire first', { retry_after_s: Math.ceil(ttlMs / 1000) })
      const id = randomBytes(32).toString('base64url')
      const link = { userId, issuedAtMs: nowMs, expiresAtMs: nowMs + ttlMs, payload }
      links.set(id, link)
      return { id, expiresAtMs: link.expiresAtMs }
    },
    redeem(id) {
      const link = links.get(id)
      links.delete(id)
      if (!link || link.expiresAtMs <= clock.wallMs()) throw new VigilError('NOT_FOUND', 'Download link unknown, already used or expired; start the export again')
      return { userId: link.userId, issuedAtMs: link.issuedAtMs, payload: link.payload }
    },
    get openCount() {
      return links.size
    }
  }
}
