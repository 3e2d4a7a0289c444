/**
 * A WebSocket that stays connected: it authenticates with `?token=` (browsers cannot set headers),
 * reconnects with capped exponential backoff and jitter, refreshes the token when the station refuses
 * it, and treats a silent socket as dead. Consumers see a `status` and parsed JSON messages.
 */
import { CLOSE_CODES } from '@shared/protocol/close-codes'
import { accessToken, refreshTokens } from './http'

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'refused' | 'closed'

export interface LiveSocketOptions {
  /** Path under the site root, e.g. `/api/v1/ws/monitor`. */
  path: string
  onMessage(message: unknown): void
  onStatus?(status: SocketStatus, detail?: string): void
  /** Query parameters for each (re)connection, e.g. where to resume from. */
  query?: () => Record<string, string | number | undefined>
  /** Reconnect when nothing has arrived for this long (the station sends data or heartbeats). */
  staleAfterMs?: number
}

/** Closed for the token's sake: a refreshed token may get back in (once). */
const AUTH_CLOSE_CODES = new Set<number>([CLOSE_CODES.TOKEN_EXPIRED, CLOSE_CODES.AUTH_REVOKED])
/** Closed for good: reconnecting would be refused the same way. */
const FINAL_CLOSE_CODES = new Set<number>([CLOSE_CODES.SESSION_GONE])
const MAX_BACKOFF_MS = 10_000

export function wsUrl(path: string, params: Record<string, string | number | undefined>): string {
  const url = new URL(path, window.location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value))
  return url.toString()
}

export class LiveSocket {
  private socket: WebSocket | null = null
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private staleTimer: ReturnType<typeof setInterval> | undefined
  private lastMessageAtMs = 0
  private isStopped = true
  private authRetried = false
  status: SocketStatus = 'closed'

  constructor(private readonly options: LiveSocketOptions) {}

  start(): void {
    if (!this.isStopped) return
    this.isStopped = false
    window.addEventListener('online', this.reconnectNow)
    void this.connect()
  }

  stop(): void {
    this.isStopped = true
    window.removeEventListener('online', this.reconnectNow)
    clearTimeout(this.retryTimer)
    clearInterval(this.staleTimer)
    const socket = this.socket
    this.socket = null
    // The close handler sees isStopped and does not reconnect.
    socket?.close(1000, 'client closed')
    this.setStatus('closed')
  }

  send(message: unknown): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false
    this.socket.send(JSON.stringify(message))
    return true
  }

  private setStatus(status: SocketStatus, detail?: string): void {
    this.status = status
    this.options.onStatus?.(status, detail)
  }

  private readonly reconnectNow = (): void => {
    if (this.isStopped || this.socket?.readyState === WebSocket.OPEN) return
    clearTimeout(this.retryTimer)
    this.attempt = 0
    void this.connect()
  }

  private async connect(): Promise<void> {
    if (this.isStopped) return
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting')
    const token = await accessToken()
    if (this.isStopped) return
    if (!token) {
      this.setStatus('unauthorized', 'Signed out')
      return
    }
    const socket = new WebSocket(wsUrl(this.options.path, { ...this.options.query?.(), token }))
    this.socket = socket
    socket.addEventListener('open', () => {
      this.attempt = 0
      this.authRetried = false
      this.lastMessageAtMs = Date.now()
      this.setStatus('open')
      if (this.options.staleAfterMs) {
        clearInterval(this.staleTimer)
        this.staleTimer = setInterval(() => {
          if (Date.now() - this.lastMessageAtMs > this.options.staleAfterMs!) socket.close(4000, 'stale')
        }, Math.min(2000, this.options.staleAfterMs))
      }
    })
    socket.addEventListener('message', (event) => {
      this.lastMessageAtMs = Date.now()
      if (typeof event.data !== 'string') return
      let message: unknown
      try {
        message = JSON.parse(event.data)
      } catch {
        return
      }
      if ((message as { type?: unknown })?.type === 'auth.expiring') void this.sendFreshToken()
      this.options.onMessage(message)
    })
    socket.addEventListener('close', (event) => {
      clearInterval(this.staleTimer)
      if (this.socket !== socket || this.isStopped) return
      this.socket = null
      if (AUTH_CLOSE_CODES.has(event.code) && !this.authRetried) {
        // The token may have expired while connected: refresh once, then retry straight away.
        this.authRetried = true
        void refreshTokens().then((pair) => {
          if (pair) void this.connect()
          else this.setStatus('unauthorized', event.reason || 'The station refused the token')
        })
        return
      }
      if (AUTH_CLOSE_CODES.has(event.code)) {
        this.setStatus('unauthorized', event.reason || 'The station refused the token')
        return
      }
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.setStatus('refused', event.reason || 'The station closed this connection for good')
        return
      }
      this.scheduleRetry(event.reason || (event.code === 1006 ? 'connection lost' : `closed (${event.code})`))
    })
  }

  /** The station warns about a minute before the token expires; answer with a fresh one in-band. */
  private async sendFreshToken(): Promise<void> {
    const pair = await refreshTokens()
    if (pair) this.send({ type: 'auth.refresh', token: pair.access_token })
  }

  private scheduleRetry(detail: string): void {
    this.attempt += 1
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.attempt - 1, 5))
    const delayMs = base / 2 + Math.random() * (base / 2)
    this.setStatus('reconnecting', detail)
    this.retryTimer = setTimeout(() => void this.connect(), delayMs)
  }
}
