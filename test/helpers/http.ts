/**
 * REST calls for route tests. A route test talks to the station through `app.inject`: no socket, no
 * port, no keep-alive connection to be reset under a slow test. `injectFetch` keeps the shape of
 * `fetch`, so a test reads the same either way; tests whose subject is the socket use `fetch`.
 */
import type { VigilServer } from '../../src/station/server/app'

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>

/** Where helpers send requests: a base URL (over the network) or a station's server (injected). */
export type HttpTarget = string | { baseUrl: string; fetch: FetchLike }

export function baseUrlOf(target: HttpTarget): string {
  return typeof target === 'string' ? target : target.baseUrl
}

export function fetchOf(target: HttpTarget): FetchLike {
  return typeof target === 'string' ? fetch : target.fetch
}

const NULL_BODY_STATUSES = new Set([204, 205, 304])

/** `fetch` over `app.inject`; absolute URLs keep only their path and query. */
export function injectFetch(app: VigilServer): FetchLike {
  return async (url, init = {}) => {
    const target = new URL(url, 'http://station.invalid')
    const body = init.body
    if (body !== undefined && body !== null && typeof body !== 'string') throw new Error('injectFetch: pass the body as a string')
    const res = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: target.pathname + target.search,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(typeof body === 'string' ? { payload: body } : {})
    })
    const headers = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v))
    }
    return new Response(NULL_BODY_STATUSES.has(res.statusCode) ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers })
  }
}
