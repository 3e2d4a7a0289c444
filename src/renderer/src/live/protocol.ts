/**
 * Maps station WebSocket messages (src/shared/protocol/station-messages.ts) onto the renderer's live
 * state. The one place that knows the wire shapes of the live view; every resource arrives in its REST
 * shape (src/shared/schemas), so alerts from REST and from the stream go through the same function.
 */
import type { DeviceStatusResponse, ChannelQuality, DeviceState } from '@shared/schemas/devices'
import type { Alert, AlertSeverity, BandPowers, FatigueLevel, FatigueMetrics } from '@shared/schemas/fatigue'
import type { SessionStatus } from '@shared/schemas/sessions'
import type { StationMessage, StationMessageOf } from '@shared/protocol/station-messages'

export interface LiveAlert {
  id: string
  level: AlertSeverity
  message: string
  tMs: number
  acknowledgedAtMs: number | null
}

export interface LiveDevice {
  state: DeviceState
  kind: string | null
  model: string | null
  samplesReceived: number
  samplesDropped: number
  reconnects: number
  detail: string | null
}

export interface LiveTiles {
  perclos: number | null
  blinkRatePerMin: number | null
  sdlpM: number | null
  reactionTimeMs: number | null
  kss: number | null
}

export type LiveMessage =
  | { kind: 'eeg'; firstSeq: number; channelCount: number; sampleRateHz: number | null; sampleCount: number; samplesUv: Float32Array }
  | { kind: 'device'; device: LiveDevice; quality: ChannelQuality[]; channelNames: string[]; sampleRateHz: number | null }
  | { kind: 'fatigue'; tMs: number; score: number | null; level: FatigueLevel | null; bands: BandPowers | null; tiles: LiveTiles }
  | { kind: 'alert'; alert: LiveAlert }
  | { kind: 'alert-ack'; alertId: string; tMs: number }
  | { kind: 'session'; status: SessionStatus | null }
  | { kind: 'hello'; canWrite: boolean; sessionStatus: SessionStatus | null }
  | { kind: 'lagging'; droppedFrames: number }
  /** The station refused something this view sent (`error` with `inReplyTo`): the operator must see why. */
  | { kind: 'refused'; code: string; message: string; inReplyTo: string | null }
  /** The newest face-tracker status in a batch (null when the batch had only frames), and how many events came. */
  | { kind: 'face'; status: { status: string; achievedHz: number | null; detail: string | null } | null; eventCount: number }
  /** The newest drive-screen state in a batch (`drive_ready`), null when the batch carried none. */
  | { kind: 'game'; driveStatus: string | null; eventCount: number }
  | { kind: 'sync'; state: string; pendingTotal: number; lastError: string | null }
  | { kind: 'ignored' }

/** Sample rate from a batch's own timestamps, for streams (WebSocket producers) without a device.status. */
function rateFromTimestamps(tMs: number[]): number | null {
  if (tMs.length < 2) return null
  const spanMs = tMs[tMs.length - 1] - tMs[0]
  return spanMs > 0 ? Math.round(((tMs.length - 1) * 1000) / spanMs) : null
}

function decodeEeg(m: StationMessageOf<'eeg.samples'>): LiveMessage {
  const rows = m.samplesUv
  const channels = m.channelCount
  const values = new Float32Array(rows.length * channels)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    for (let c = 0; c < channels; c++) values[i * channels + c] = row[c] ?? 0
  }
  return { kind: 'eeg', firstSeq: m.firstSampleSeq, channelCount: channels, sampleRateHz: rateFromTimestamps(m.tMs), sampleCount: rows.length, samplesUv: values }
}

/** Relative band powers averaged over the channels that had clean data in the window. */
export function relativeBands(metrics: FatigueMetrics): BandPowers | null {
  const channels = (metrics.eeg?.channels ?? []).filter((c) => c.absoluteUv2 && c.relative)
  if (channels.length === 0) return null
  const sums: BandPowers = { delta: 0, theta: 0, alpha: 0, beta: 0 }
  const bands = Object.keys(sums) as (keyof BandPowers)[]
  for (const channel of channels) for (const band of bands) sums[band] += channel.relative![band]
  for (const band of bands) sums[band] /= channels.length
  return sums
}

/** JSON carries a non-finite metric (a ratio over zero power) as null; anything else passes. */
const finite = (value: number | null | undefined): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

export function tilesOf(metrics: FatigueMetrics): LiveTiles {
  return {
    perclos: finite(metrics.face?.perclosP80),
    blinkRatePerMin: finite(metrics.face?.blinksPerMin),
    sdlpM: finite(metrics.driving?.sdlpM),
    reactionTimeMs: finite(metrics.driving?.pvt.meanRtMs),
    kss: finite(metrics.driving?.kss)
  }
}

export function liveAlertOf(alert: Alert): LiveAlert {
  return {
    id: alert.id,
    level: alert.severity,
    message: alert.message || alert.type,
    tMs: alert.t_ms,
    acknowledgedAtMs: alert.acknowledged_at ? Date.parse(alert.acknowledged_at) : null
  }
}

function liveDeviceOf(status: DeviceStatusResponse): LiveDevice {
  return {
    state: status.state,
    kind: status.descriptor?.kind ?? null,
    model: status.descriptor?.model ?? null,
    samplesReceived: status.stats.samples_received,
    samplesDropped: status.stats.samples_dropped,
    reconnects: status.stats.reconnects,
    detail: status.detail
  }
}

export function decodeMessage(message: unknown): LiveMessage {
  const m = message as StationMessage
  switch (m?.type) {
    case 'eeg.samples':
      return decodeEeg(m)
    case 'device.status':
      return {
        kind: 'device',
        device: liveDeviceOf(m.status),
        quality: m.status.quality,
        channelNames: m.status.descriptor?.channel_names ?? [],
        sampleRateHz: m.status.descriptor?.sample_rate_hz ?? null
      }
    case 'fatigue.update':
      return { kind: 'fatigue', tMs: m.metrics.tMs, score: m.metrics.score, level: m.metrics.level, bands: relativeBands(m.metrics), tiles: tilesOf(m.metrics) }
    case 'alert.raised':
      return { kind: 'alert', alert: liveAlertOf(m.alert) }
    case 'alert.acknowledged':
      return { kind: 'alert-ack', alertId: m.alert.id, tMs: (m.alert.acknowledged_at && Date.parse(m.alert.acknowledged_at)) || Date.now() }
    case 'session.status':
      return { kind: 'session', status: m.status }
    case 'hello':
      return { kind: 'hello', canWrite: m.canWrite, sessionStatus: m.sessionStatus }
    case 'lagging':
      return { kind: 'lagging', droppedFrames: m.droppedFrames }
    case 'face.events': {
      const statuses = m.events.filter((e) => e.kind === 'status')
      const newest = statuses.at(-1)
      return { kind: 'face', status: newest ? { status: newest.status, achievedHz: newest.achievedHz ?? null, detail: newest.detail ?? null } : null, eventCount: m.events.length }
    }
    case 'game.events': {
      let driveStatus: string | null = null
      for (const envelope of m.events) if (envelope.event.kind === 'drive_ready') driveStatus = envelope.event.status
      return { kind: 'game', driveStatus, eventCount: m.events.length }
    }
    case 'sync.status':
      return { kind: 'sync', state: m.status.state, pendingTotal: m.status.pending_total, lastError: m.status.last_error?.message ?? null }
    case 'error':
      return { kind: 'refused', code: m.code, message: m.message, inReplyTo: m.inReplyTo?.type ?? null }
    default:
      return { kind: 'ignored' }
  }
}
