/**
 * Maps station WebSocket messages (src/shared/protocol/station-messages.ts, protocol v1) onto the
 * renderer's live state. The one place that knows the wire shapes of the live view.
 */
import type { StationMessage, StationMessageOf } from '@shared/protocol/station-messages'
import type { LiveAlert, LiveDevice } from './session-live'

export type LiveTiles = Partial<Record<'perclos' | 'blinkRatePerMin' | 'sdlpM' | 'reactionTimeMs' | 'kss', number | null>>

export type LiveMessage =
  | { kind: 'eeg'; firstSeq: number; channelCount: number; sampleRateHz: number | null; sampleCount: number; samplesUv: Float32Array }
  | { kind: 'device'; device: LiveDevice; quality: string[]; channelNames: string[]; sampleRateHz: number | null }
  | { kind: 'fatigue'; tMs: number; score: number | null; level: string | null; bands: Record<string, number> | null; tiles: LiveTiles }
  | { kind: 'alert'; alert: LiveAlert }
  | { kind: 'alert-ack'; alertId: string; tMs: number }
  | { kind: 'session'; status: string | null }
  | { kind: 'hello'; canWrite: boolean; sessionStatus: string | null }
  | { kind: 'lagging'; droppedFrames: number }
  | { kind: 'ignored' }

type Json = Record<string, unknown>
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)
function pick(...values: unknown[]): number | null {
  for (const value of values) if (num(value) !== null) return value as number
  return null
}
const obj = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {})

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

/** Relative band powers averaged over channels (protocol `bandPowers[]`, or the engine's channel-mean `eeg.relative`). */
function relativeBands(m: StationMessageOf<'fatigue.update'>): Record<string, number> | null {
  if (m.bandPowers.length > 0) {
    const sums: Record<string, number> = {}
    for (const channel of m.bandPowers) for (const [band, value] of Object.entries(channel.relative)) sums[band] = (sums[band] ?? 0) + value
    for (const band of Object.keys(sums)) sums[band] /= m.bandPowers.length
    return sums
  }
  const relative = obj(obj((m as unknown as Json).eeg).relative)
  const out: Record<string, number> = {}
  for (const [band, value] of Object.entries(relative)) if (num(value) !== null) out[band] = value as number
  return Object.keys(out).length ? out : null
}

/** Tiles from `indices` by name, or from the engine's nested face/driving metrics when it sends those. */
function tilesOf(m: StationMessageOf<'fatigue.update'>): LiveTiles {
  const extra = m as unknown as Json
  const face = obj(extra.face)
  const driving = obj(extra.driving)
  return {
    perclos: pick(m.indices.perclos, m.indices.perclosP80, face.perclosP80),
    blinkRatePerMin: pick(m.indices.blinksPerMin, m.indices.blinkRatePerMin, face.blinksPerMin),
    sdlpM: pick(m.indices.sdlpM, m.indices.sdlp, driving.sdlpM),
    reactionTimeMs: pick(m.indices.pvtMeanRtMs, m.indices.meanRtMs, obj(driving.pvt).meanRtMs),
    kss: pick(m.indices.kss, driving.kss)
  }
}

export function alertFromWire(alert: { id: string; tMs?: number; t_ms?: number; severity: string; message: string; type?: string; acknowledged_at?: string | null }): LiveAlert {
  return {
    id: alert.id,
    level: alert.severity,
    message: alert.message || alert.type || 'alert',
    tMs: alert.tMs ?? alert.t_ms ?? Date.now(),
    acknowledgedAtMs: alert.acknowledged_at ? Date.parse(alert.acknowledged_at) : null
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
        device: {
          state: m.state,
          kind: m.kind,
          model: m.model,
          samplesReceived: m.stats.samplesReceived,
          samplesDropped: m.stats.samplesDropped,
          reconnects: m.stats.reconnects,
          detail: m.detail ?? null
        },
        quality: m.quality,
        channelNames: m.channelNames,
        sampleRateHz: m.sampleRateHz
      }
    case 'fatigue.update':
      return { kind: 'fatigue', tMs: m.tMs, score: m.score, level: m.level, bands: relativeBands(m), tiles: tilesOf(m) }
    case 'alert.raised':
      return { kind: 'alert', alert: alertFromWire(m.alert) }
    case 'alert.acknowledged':
      return { kind: 'alert-ack', alertId: m.alertId, tMs: Date.parse(m.acknowledgedAt) || Date.now() }
    case 'session.status':
      return { kind: 'session', status: m.status }
    case 'hello':
      return { kind: 'hello', canWrite: m.canWrite, sessionStatus: m.sessionStatus }
    case 'lagging':
      return { kind: 'lagging', droppedFrames: m.droppedFrames }
    default:
      return { kind: 'ignored' }
  }
}
