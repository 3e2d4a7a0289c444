/**
 * Real `ws` clients on loopback for the streaming tests: collect every station message, wait for
 * the ones a test expects, and report refused upgrades (HTTP status + body) and close codes.
 */
import { SignJWT } from 'jose'
import { WebSocket } from 'ws'
import type { ClientMessage } from '../../src/shared/protocol/client-messages'
import type { StationMessage, StationMessageOf, StationMessageType } from '../../src/shared/protocol/station-messages'
import type { StationContext } from '../../src/station/context'
import { newId } from '../../src/station/ids'
import { authHeader, registerAndLogin, type LoggedInUser, type TestRole } from './auth'

export interface Refusal {
  status: number
  body: { detail: string; code: string }
}

export interface ClientOptions {
  token?: string
  /** Send the token as the subprotocol pair `bearer, <token>` instead of `?token=`. */
  viaSubprotocol?: boolean
  origin?: string
  autoPong?: boolean
}

export class TestClient {
  readonly messages: StationMessage[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private waiters: { match: (m: StationMessage) => boolean; resolve: (m: StationMessage) => void }[] = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as StationMessage
      this.messages.push(msg)
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(msg)) return true
        w.resolve(msg)
        return false
      })
    })
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  static connect(baseUrl: string, path: string, options: ClientOptions = {}): Promise<TestClient> {
    const url = new URL(`/api/v1${path}`, baseUrl.replace(/^http/, 'ws'))
    if (options.token && !options.viaSubprotocol) url.searchParams.set('token', options.token)
    const protocols = options.token && options.viaSubprotocol ? ['bearer', options.token] : undefined
    const ws = new WebSocket(url, protocols, { headers: options.origin ? { origin: options.origin } : {}, autoPong: options.autoPong ?? true })
    const client = new TestClient(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (_req, res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { refusal: { status: res.statusCode ?? 0, body: JSON.parse(text || '{}') } })))
      })
      ws.once('error', reject)
    })
  }

  /** Resolves with the refusal of an upgrade that must fail. */
  static async refused(baseUrl: string, path: string, options: ClientOptions = {}): Promise<Refusal> {
    try {
      const client = await TestClient.connect(baseUrl, path, options)
      client.ws.close()
    } catch (err) {
      const refusal = (err as { refusal?: Refusal }).refusal
      if (refusal) return refusal
      throw err
    }
    throw new Error(`upgrade of ${path} was accepted`)
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message))
  }

  /** The first message (already received or future) of `type` that satisfies `match`; the deadline only turns a hang into a message. */
  next<T extends StationMessageType>(type: T, match: (m: StationMessageOf<T>) => boolean = () => true, timeoutMs = 15_000): Promise<StationMessageOf<T>> {
    const test = (m: StationMessage): boolean => m.type === type && match(m as StationMessageOf<T>)
    const seen = this.messages.find(test)
    if (seen) return Promise.resolve(seen as StationMessageOf<T>)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(',')}`)), timeoutMs)
      this.waiters.push({
        match: test,
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m as StationMessageOf<T>)
        }
      })
    })
  }

  of<T extends StationMessageType>(type: T): StationMessageOf<T>[] {
    return this.messages.filter((m) => m.type === type) as StationMessageOf<T>[]
  }

  /** Round trip through the station: every message sent before has been handled once the pong arrives. */
  async sync(): Promise<void> {
    const id = newId()
    this.send({ type: 'ping', id })
    await this.next('pong', (m) => m.id === id)
  }

  close(): void {
    this.ws.close()
  }
}

export async function userWith(baseUrl: string, role: TestRole): Promise<LoggedInUser> {
  return registerAndLogin(baseUrl, { role })
}

/** Plans a session over REST as `owner` and, unless told otherwise, starts recording it. */
export async function sessionOf(baseUrl: string, owner: LoggedInUser, options: { record?: boolean } = {}): Promise<string> {
  const headers = { 'content-type': 'application/json', ...authHeader(owner.accessToken) }
  const res = await fetch(`${baseUrl}/api/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ name: 'drive', participant_code: 'P01' }) })
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`)
  const { id } = (await res.json()) as { id: string }
  if (options.record ?? true) await setStatus(baseUrl, owner, id, 'recording')
  return id
}

export async function setStatus(baseUrl: string, owner: LoggedInUser, sessionId: string, status: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/sessions/${sessionId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...authHeader(owner.accessToken) },
    body: JSON.stringify({ status })
  })
  if (!res.ok) throw new Error(`set status ${status}: ${res.status} ${await res.text()}`)
}

/** An access token for `userId` that expires `expiresInSec` from now (negative: already expired); `nowMs` for a station on a manual clock. */
export async function tokenExpiringIn(ctx: StationContext, userId: string, expiresInSec: number, nowMs = Date.now()): Promise<string> {
  const nowSec = nowMs / 1000
  return new SignJWT({ iat: nowSec })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(ctx.config.auth.issuer)
    .setAudience(ctx.config.auth.audience)
    .setSubject(userId)
    .setJti(newId())
    .setExpirationTime(Math.floor(nowSec + expiresInSec))
    .sign(ctx.jwtSecret)
}

/** `n` consecutive samples of `channels` channels, starting at sample `first`. */
export function eegBatch(seq: number, first: number, n: number, channels = 8): ClientMessage {
  const t0 = Date.now()
  return {
    type: 'eeg.samples',
    seq,
    firstSampleSeq: first,
    tMs: Array.from({ length: n }, (_, i) => t0 + i * 4),
    samplesUv: Array.from({ length: n }, (_row, i) => Array.from({ length: channels }, (_channel, c) => Math.round(Math.sin(first + i + c) * 5000) / 100))
  }
}

/** Sends game events as the participant's driving game would, over the session's WebSocket, and waits for the ack. */
export async function sendGameEvents(baseUrl: string, token: string, sessionId: string, events: Record<string, unknown>[]): Promise<void> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/v1/ws/session/${sessionId}?token=${token}`)
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject)
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; seq?: number; message?: string }
        if (message.type === 'hello') ws.send(JSON.stringify({ type: 'game.events', seq: 1, events: events.map((event) => ({ tMs: Date.now(), event })) }))
        if (message.type === 'ack' && message.seq === 1) resolve()
        if (message.type === 'error') reject(new Error(message.message))
      })
    })
  } finally {
    ws.close()
  }
}
