/** Every REST call the UI makes, in one place, named after what it does. */
import { api, request } from './http'
import type { TokenResponse } from '@shared/schemas/auth'
import type { DeviceConnectBody, devicePortListSchema, DeviceStatusResponse } from '@shared/schemas/devices'
import type { AuditCsvQuery, AuditPage } from '@shared/schemas/audit'
import type { ExportLink, ExportQuery } from '@shared/schemas/export'
import type { ParticipantCreate, ParticipantResponse, ParticipantUpdate } from '@shared/schemas/participants'
import type { ImpedanceCheckRequest, ImpedanceCheckResponse, ImpedanceOverrideResponse } from '@shared/schemas/impedance'
import type { lslOutletListSchema, lslStreamListSchema } from '@shared/schemas/lsl'
import type { MontageInput, MontageResponse } from '@shared/schemas/montage'
import type { LiveHistory } from '@shared/schemas/live-history'
import type { sessionCreateSchema } from '@shared/schemas/sessions'
import type { SyncStatus } from '@shared/schemas/sync'
import type { z } from 'zod'
import type { Alert, Marker, Page, Role, Session, SessionDetail, SessionStatus, SessionUpdate, User } from './types'

type DevicePortList = z.infer<typeof devicePortListSchema>
export type LslStreamList = z.infer<typeof lslStreamListSchema>
export type LslOutletList = z.infer<typeof lslOutletListSchema>

export type AuditFilter = AuditCsvQuery

export const authApi = {
  login: (username: string, password: string) =>
    request<TokenResponse>('/auth/login', { method: 'POST', body: new URLSearchParams({ username, password }), isPublic: true }),
  register: (body: { email: string; password: string; full_name?: string }) => request<User>('/auth/register', { method: 'POST', body, isPublic: true }),
  logout: (refreshToken: string) => api.post<void>('/auth/logout', { refresh_token: refreshToken }),
  me: () => api.get<User>('/users/me')
}

export const usersApi = {
  list: (skip: number, limit: number) => api.get<Page<User>>('/users', { skip, limit }),
  update: (id: string, body: { role?: Role; is_active?: boolean; full_name?: string }) => api.patch<User>(`/users/${id}`, body)
}

export interface SessionFilter {
  status?: SessionStatus | ''
  participant_code?: string
}

export const sessionsApi = {
  list: (skip: number, limit: number, filter: SessionFilter = {}) =>
    api.get<Page<Session>>('/sessions', { skip, limit, status: filter.status, participant_code: filter.participant_code }),
  get: (id: string) => api.get<SessionDetail>(`/sessions/${id}`),
  create: (body: z.input<typeof sessionCreateSchema>) => api.post<Session>('/sessions', body),
  update: (id: string, body: SessionUpdate) => api.patch<Session>(`/sessions/${id}`, body),
  setStatus: (id: string, status: SessionStatus) => api.patch<Session>(`/sessions/${id}`, { status }),
  remove: (id: string) => api.del(`/sessions/${id}`),
  // No t_ms: the station stamps the marker with its own clock, which a remote browser's clock may not match.
  addMarker: (id: string, label: string, value: string | null = null) => api.post<Marker>(`/sessions/${id}/markers`, { label, value }),
  alerts: (id: string) => api.get<Page<Alert>>(`/sessions/${id}/alerts`, { limit: 200 }),
  /** The last EEG window, the fatigue curve and the newest metrics: what a live view opened late fills itself with. */
  liveHistory: (id: string) => api.get<LiveHistory>(`/sessions/${id}/live-history`, { eeg_window_s: 10 }),
  ackAlert: (id: string, alertId: string) => api.post<Alert>(`/sessions/${id}/alerts/${alertId}/ack`, {}),
  exportLink: (id: string, options: Partial<ExportQuery>) => api.post<ExportLink>(`/sessions/${id}/export/link`, options),
  montage: (id: string) => api.get<MontageResponse>(`/sessions/${id}/montage`),
  setMontage: (id: string, body: MontageInput) => request<MontageResponse>(`/sessions/${id}/montage`, { method: 'PUT', body })
}

export const participantsApi = {
  /** The record of one code, or null (codes are unique per station). */
  byCode: async (code: string) => (await api.get<Page<ParticipantResponse>>('/participants', { participant_code: code, limit: 1 })).data[0] ?? null,
  create: (body: ParticipantCreate) => api.post<ParticipantResponse>('/participants', body),
  update: (id: string, body: ParticipantUpdate) => api.patch<ParticipantResponse>(`/participants/${id}`, body)
}

export const devicesApi = {
  ports: () => api.get<DevicePortList>('/devices/ports'),
  status: () => api.get<DeviceStatusResponse>('/devices/status'),
  connect: (body: DeviceConnectBody) => api.post<DeviceStatusResponse>('/devices/connect', body),
  disconnect: () => api.post<DeviceStatusResponse>('/devices/disconnect', {}),
  checkImpedance: (body: ImpedanceCheckRequest) => api.post<ImpedanceCheckResponse>('/devices/impedance-check', body),
  impedanceChecks: (sessionId: string) => api.get<{ data: ImpedanceCheckResponse[]; count: number }>('/devices/impedance-checks', { session_id: sessionId }),
  overrideImpedance: (checkId: number) => api.post<ImpedanceOverrideResponse>(`/devices/impedance-checks/${checkId}/override`, {})
}

export const lslApi = {
  /** Streams answering an LSL discovery query now (the network is asked, so it takes about a second). */
  streams: (query = '') => api.get<LslStreamList>(`/lsl/streams?query=${encodeURIComponent(query)}`),
  outlets: () => api.get<LslOutletList>('/lsl/outlets')
}

export const syncApi = {
  status: () => api.get<SyncStatus>('/sync/status'),
  run: () => api.post<SyncStatus>('/sync/run', {})
}

export const auditApi = {
  list: (query: AuditFilter, skip: number, limit: number, signal?: AbortSignal) => api.get<AuditPage>('/audit', { ...query, skip, limit }, signal),
  // Fetched with the bearer token (a link would need one), then handed to the browser as a file.
  csv: (query: AuditFilter) => request<string>('/audit.csv', { query: { ...query }, responseType: 'text' })
}

/** Lists come back as `{data, count}` from most routes; accept a bare array too. */
export function itemsOf<T>(value: unknown, key = 'data'): T[] {
  if (!value) return []
  if (Array.isArray(value)) return value as T[]
  if (typeof value !== 'object') return []
  const items = (value as Record<string, unknown>)[key]
  return Array.isArray(items) ? (items as T[]) : []
}
