/**
 * The one HTTP client of the renderer. It adds the bearer token, refreshes it silently (once, shared
 * by every request and every tab that is waiting) and turns every non-2xx answer into an `ApiError`
 * carrying the station's `{detail, code}`, so pages can show the station's own words.
 */
import type { TokenResponse } from '@shared/schemas/auth'
import { tokenStore } from './token-store'

export const API_BASE = '/api/v1'

export class ApiError extends Error {
  readonly status: number
  /** The station's error code (src/shared/errors.ts); `NETWORK` when the station could not be reached. */
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

interface ValidationEntry {
  loc?: (string | number)[]
  msg?: string
}

/** FastAPI-shaped `detail`: a string, or a list of validation entries (422). */
export function detailText(detail: unknown, fallback: string): string {
  if (typeof detail === 'string' && detail) return detail
  if (Array.isArray(detail)) {
    const lines = (detail as ValidationEntry[]).map((entry) => {
      const where = (entry.loc ?? []).filter((part) => part !== 'body').join('.')
      return where ? `${where}: ${entry.msg ?? 'invalid'}` : (entry.msg ?? 'invalid')
    })
    if (lines.length) return lines.join('; ')
  }
  return fallback
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: { detail?: unknown; code?: unknown } = {}
  try {
    body = (await response.json()) as typeof body
  } catch {
    // Non-JSON error bodies (a proxy, a crash) still get a readable message below.
  }
  const code = typeof body.code === 'string' ? body.code : `HTTP_${response.status}`
  return new ApiError(response.status, code, detailText(body.detail, `${response.status} ${response.statusText || 'error'}`))
}

export interface RequestOptions {
  method?: string
  /** JSON body; `URLSearchParams` is sent as a form (the OAuth2 login). */
  body?: unknown
  query?: Record<string, string | number | boolean | undefined | null>
  /** Skip the bearer token (login, register, refresh). */
  isPublic?: boolean
  signal?: AbortSignal
  /** `text`: the body as it came (a CSV download), instead of parsed JSON. */
  responseType?: 'json' | 'text'
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  const url = path.startsWith('/api/') ? path : `${API_BASE}${path}`
  if (!query) return url
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const text = params.toString()
  return text ? `${url}?${text}` : url
}

async function send(path: string, options: RequestOptions, bearer: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (options.body instanceof URLSearchParams) body = options.body
  else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  if (bearer && !options.isPublic) headers.Authorization = `Bearer ${bearer}`
  try {
    return await fetch(buildUrl(path, options.query), { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, signal: options.signal })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'NETWORK', 'The station cannot be reached. Check that it is running and the network is up.')
  }
}

let refreshInFlight: Promise<TokenResponse | null> | null = null

/**
 * Exchanges the refresh token for a new pair. Refresh tokens rotate, so two tabs refreshing with the
 * same token would get one of them signed out: a Web Lock serialises tabs, and a tab that waited
 * re-reads the store and uses the pair the other tab already obtained.
 */
export function refreshTokens(): Promise<TokenResponse | null> {
  if (refreshInFlight) return refreshInFlight
  const staleRefresh = tokenStore.get()?.refresh_token ?? null
  const run = async (): Promise<TokenResponse | null> => {
    const current = tokenStore.get()
    if (!current) return null
    if (current.refresh_token !== staleRefresh && tokenStore.isFresh()) return current
    const response = await send('/auth/refresh', { method: 'POST', body: { refresh_token: current.refresh_token }, isPublic: true }, null)
    if (!response.ok) {
      // Only a refusal signs out; a station that is down keeps the tokens for when it comes back.
      if (response.status === 401 || response.status === 403 || response.status === 422) tokenStore.clear('expired')
      return null
    }
    const pair = (await response.json()) as TokenResponse
    tokenStore.set(pair)
    return tokenStore.get()
  }
  const locked = typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request('vigil-token-refresh', run) : run()
  refreshInFlight = locked.finally(() => {
    refreshInFlight = null
  })
  return refreshInFlight
}

/** A valid access token, refreshed first when it is about to expire; null when signed out. */
export async function accessToken(): Promise<string | null> {
  const pair = tokenStore.get()
  if (!pair) return null
  if (tokenStore.isFresh()) return pair.access_token
  return (await refreshTokens())?.access_token ?? null
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let token = options.isPublic ? null : await accessToken()
  let response = await send(path, options, token)
  if (response.status === 401 && !options.isPublic && tokenStore.get()) {
    // The token may have expired or been revoked between the check and the request: refresh once.
    token = (await refreshTokens())?.access_token ?? null
    if (token) response = await send(path, options, token)
  }
  if (!response.ok) {
    const error = await toApiError(response)
    if (response.status === 401 && !options.isPublic) tokenStore.clear('expired')
    throw error
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  if (options.responseType === 'text') return text as T
  return (text ? JSON.parse(text) : undefined) as T
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) => request<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  del: <T = void>(path: string) => request<T>(path, { method: 'DELETE' })
}
