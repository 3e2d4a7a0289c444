/**
 * Where the signed-in user's tokens live. localStorage, so a reload or a second tab stays signed in;
 * the `storage` event keeps tabs in step when one of them refreshes or signs out.
 */
import type { TokenResponse } from '@shared/schemas/auth'

interface StoredTokens extends TokenResponse {
  /** Epoch ms after which the access token should be refreshed before use. */
  refreshAfterMs: number
}

export type SignOutReason = 'signed-out' | 'expired'
type Listener = (reason: SignOutReason | null) => void

const KEY = 'vigil.auth'
/** Refresh this long before expiry, so a request never leaves with a token that dies in flight. */
const EARLY_REFRESH_MS = 30_000

function read(): StoredTokens | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as StoredTokens) : null
  } catch {
    return null
  }
}

const listeners = new Set<Listener>()
let lastReason: SignOutReason | null = null

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === KEY) for (const listener of listeners) listener(event.newValue ? null : 'signed-out')
  })
}

export const tokenStore = {
  get(): StoredTokens | null {
    return read()
  },
  isFresh(): boolean {
    const tokens = read()
    return Boolean(tokens && Date.now() < tokens.refreshAfterMs)
  },
  set(pair: TokenResponse): void {
    const lifetimeMs = Math.max(0, pair.expires_in * 1000)
    const refreshAfterMs = Date.now() + Math.max(lifetimeMs - EARLY_REFRESH_MS, lifetimeMs / 2)
    localStorage.setItem(KEY, JSON.stringify({ ...pair, refreshAfterMs } satisfies StoredTokens))
    lastReason = null
    for (const listener of listeners) listener(null)
  },
  clear(reason: SignOutReason): void {
    if (!read()) return
    localStorage.removeItem(KEY)
    lastReason = reason
    for (const listener of listeners) listener(reason)
  },
  /** Why the user was last signed out (shown on the sign-in page), or null. */
  lastSignOutReason(): SignOutReason | null {
    return lastReason
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
}
