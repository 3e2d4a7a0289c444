/**
 * The live state of one session, fed by WebSocket messages. High-rate data (EEG) goes straight into
 * ring buffers that the canvas reads every frame; everything slow (fatigue, alerts, device) is kept
 * here and announced to React at most a few times a second, so React never re-renders per batch.
 */
import type { ChannelQuality } from '@shared/schemas/devices'
import type { BandPowers, FatigueLevel } from '@shared/schemas/fatigue'
import type { SessionStatus } from '@shared/schemas/sessions'
import type { LiveHistory } from '@shared/schemas/live-history'
import { relativeBands, tilesOf, type LiveAlert, type LiveDevice, type LiveMessage, type LiveTiles } from './protocol'
import { PointRing, TraceBuffer } from './trace-buffer'

export const TRACE_WINDOW_S = 10
/** Two hours of one-per-second fatigue updates; older points are overwritten. */
const FATIGUE_HISTORY = 7200
const MAX_ALERTS = 200

export interface LiveSnapshot {
  channelNames: string[]
  sampleRateHz: number
  quality: ChannelQuality[]
  /** Relative band powers (share of total) keyed by band name, averaged over channels. */
  bandPowers: Partial<BandPowers>
  fatigueScore: number | null
  /** Null until the engine has assessed the session. */
  fatigueLevel: FatigueLevel | null
  tiles: LiveTiles
  alerts: LiveAlert[]
  device: LiveDevice | null
  /** `deleted` once the station said the session is gone. */
  sessionStatus: SessionStatus | 'deleted' | null
  samplesSeen: number
  gaps: number
  /** Live frames the station skipped because this view read too slowly. */
  laggingFrames: number
  /** Whether this user may write to the session (from the station's hello). */
  canWrite: boolean
  /** The station's last refusal of something this view sent, until the operator dismisses it. */
  refusal: LiveRefusal | null
  /** Since when (epoch ms, this browser's clock) the headset has stopped streaming, null while it streams. */
  headsetDownSinceMs: number | null
  /** Spans this view saw the headset not streaming after it had streamed: EEG is missing there. */
  headsetOutages: { fromMs: number; toMs: number }[]
  lastMessageAtMs: number
  strip: LiveStrip
  /** What the station's history filled in on open (null until it answered): for the "filled from" note. */
  history: { eegSamples: number; fatiguePoints: number } | null
}

/**
 * What the operator status strip shows, each value with the time this view last heard it (this
 * browser's clock), so a value that stopped coming can be greyed with its age instead of looking current.
 */
export interface LiveStrip {
  /** EEG samples per second as they arrived here, measured over ~2 s. */
  eegRateHz: number | null
  eegAtMs: number | null
  /** The face tracker's newest status (`tracking`, `no_camera`, `no_face`, …) and its frame rate. */
  face: { status: string; achievedHz: number | null; detail: string | null; atMs: number } | null
  /** When anything last came from the participant screen (face or game events): it is connected while it talks. */
  screenAtMs: number | null
  /** The driving game's state as the participant screen last reported it (`ready`, `running`, `paused`, `ended`). */
  drive: { status: string; atMs: number } | null
  sync: { state: string; pendingTotal: number; lastError: string | null; atMs: number } | null
}

export interface LiveRefusal {
  code: string
  message: string
  /** The message type refused (`alert.ack`, `marker.add`…), null when the station did not say. */
  inReplyTo: string | null
  atMs: number
}

export class SessionLive {
  traces: TraceBuffer | null = null
  readonly fatigue = new PointRing(FATIGUE_HISTORY)
  snapshot: LiveSnapshot = {
    channelNames: [],
    sampleRateHz: 0,
    quality: [],
    bandPowers: {},
    fatigueScore: null,
    fatigueLevel: null,
    tiles: { perclos: null, blinkRatePerMin: null, sdlpM: null, reactionTimeMs: null, kss: null },
    alerts: [],
    device: null,
    sessionStatus: null,
    samplesSeen: 0,
    gaps: 0,
    laggingFrames: 0,
    canWrite: false,
    refusal: null,
    headsetDownSinceMs: null,
    headsetOutages: [],
    lastMessageAtMs: 0,
    history: null,
    strip: { eegRateHz: null, eegAtMs: null, face: null, screenAtMs: null, drive: null, sync: null }
  }
  /** Next expected EEG sample sequence; a jump past it is a gap. */
  nextSeq: number | null = null
  private rateWindow = { startMs: 0, samples: 0 }
  /** True from seeding stored EEG until the first live batch. */
  private seededFromHistory = false
  private readonly listeners = new Set<() => void>()
  private notifyTimer: ReturnType<typeof setTimeout> | undefined

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(patch: Partial<LiveSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch }
    if (this.notifyTimer) return
    // Coalesce: at most ~5 React updates a second whatever the message rate.
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined
      for (const listener of this.listeners) listener()
    }, 200)
  }

  /** Stops the pending notification; subscribers remove themselves through their own unsubscribe. */
  dispose(): void {
    clearTimeout(this.notifyTimer)
    this.notifyTimer = undefined
  }

  /** Channel names and rate known from the device or the session record, before or besides the EEG itself. */
  setStreamInfo(channelNames: string[], sampleRateHz: number | null): void {
    if (sampleRateHz) this.declaredRateHz = sampleRateHz
    if (channelNames.length && channelNames.join() !== this.snapshot.channelNames.join()) this.changed({ channelNames })
  }

  private declaredRateHz: number | null = null

  private tracesFor(channelCount: number, measuredRateHz: number | null): TraceBuffer {
    const current = this.traces
    // Batch timestamps jitter: keep the buffer unless the channel count or the rate really changed (>10%).
    const rateHz = this.declaredRateHz ?? measuredRateHz ?? current?.sampleRateHz ?? 250
    if (current && current.channelCount === channelCount && Math.abs(current.sampleRateHz - rateHz) <= rateHz * 0.1) return current
    this.traces = new TraceBuffer(channelCount, rateHz, TRACE_WINDOW_S)
    const names = this.snapshot.channelNames.length === channelCount ? this.snapshot.channelNames : Array.from({ length: channelCount }, (_, i) => `Ch${i + 1}`)
    this.changed({ channelNames: names, sampleRateHz: rateHz })
    return this.traces
  }

  apply(message: LiveMessage): void {
    const now = Date.now()
    switch (message.kind) {
      case 'eeg': {
        // A batch wholly before what we have is a duplicate (a producer re-sending after a reconnect).
        if (this.nextSeq !== null && message.firstSeq + message.sampleCount <= this.nextSeq) return
        const traces = this.tracesFor(message.channelCount, message.sampleRateHz)
        // The join between stored history and the stream is not a gap in the stream: samples still in
        // the recorder's commit when history was read are simply not shown.
        const isGap = this.nextSeq !== null && message.firstSeq > this.nextSeq && !this.seededFromHistory
        this.seededFromHistory = false
        // A batch overlapping what history already filled in: only its new tail goes on the traces.
        const skip = this.nextSeq !== null && message.firstSeq < this.nextSeq ? this.nextSeq - message.firstSeq : 0
        traces.push(message.samplesUv.subarray(skip * message.channelCount), message.sampleCount - skip)
        this.nextSeq = message.firstSeq + message.sampleCount
        this.snapshot.samplesSeen += message.sampleCount
        this.snapshot.lastMessageAtMs = now
        if (isGap) this.changed({ gaps: this.snapshot.gaps + 1 })
        this.measureRate(now, message.sampleCount - skip)
        return
      }
      case 'face': {
        const strip = { ...this.snapshot.strip, screenAtMs: now }
        if (message.status) strip.face = { ...message.status, atMs: now }
        else if (strip.face) strip.face = { ...strip.face, atMs: now } // frames keep the last status current
        this.changed({ strip, lastMessageAtMs: now })
        return
      }
      case 'game': {
        const strip = { ...this.snapshot.strip, screenAtMs: now }
        if (message.driveStatus) strip.drive = { status: message.driveStatus, atMs: now }
        else if (strip.drive) strip.drive = { ...strip.drive, atMs: now }
        this.changed({ strip, lastMessageAtMs: now })
        return
      }
      case 'sync':
        this.changed({ strip: { ...this.snapshot.strip, sync: { state: message.state, pendingTotal: message.pendingTotal, lastError: message.lastError, atMs: now } } })
        return
      case 'device': {
        if (message.channelNames.length) this.setStreamInfo(message.channelNames, message.sampleRateHz)
        const wasStreaming = this.snapshot.device?.state === 'streaming'
        const isStreaming = message.device.state === 'streaming'
        const down = this.snapshot.headsetDownSinceMs
        const patch: Partial<LiveSnapshot> = { device: message.device, quality: message.quality, lastMessageAtMs: now }
        if (wasStreaming && !isStreaming) patch.headsetDownSinceMs = now
        if (isStreaming && down !== null) {
          patch.headsetDownSinceMs = null
          patch.headsetOutages = [...this.snapshot.headsetOutages, { fromMs: down, toMs: now }]
        }
        this.changed(patch)
        return
      }
      case 'fatigue': {
        if (message.score !== null) this.fatigue.push(message.tMs, message.score)
        // Every update carries every modality; a null one has no usable data now.
        this.changed({
          fatigueScore: message.score,
          fatigueLevel: message.level,
          tiles: message.tiles,
          bandPowers: message.bands ?? this.snapshot.bandPowers,
          lastMessageAtMs: now
        })
        return
      }
      case 'alert': {
        const alerts = this.snapshot.alerts.filter((alert) => alert.id !== message.alert.id)
        alerts.push(message.alert)
        alerts.sort((a, b) => b.tMs - a.tMs)
        this.changed({ alerts: alerts.slice(0, MAX_ALERTS), lastMessageAtMs: now })
        return
      }
      case 'alert-ack':
        this.acknowledge(message.alertId, message.tMs)
        return
      case 'session':
        this.changed({ sessionStatus: message.status ?? 'deleted' })
        return
      case 'hello':
        this.changed({ canWrite: message.canWrite, sessionStatus: message.sessionStatus ?? this.snapshot.sessionStatus })
        return
      case 'lagging':
        this.changed({ laggingFrames: this.snapshot.laggingFrames + message.droppedFrames })
        return
      case 'refused':
        this.changed({ refusal: { code: message.code, message: message.message, inReplyTo: message.inReplyTo, atMs: now } })
        return
      case 'ignored':
        return
    }
  }

  /** Sync status read over REST (the stream sends it only when it changes, so a quiet station may never have). */
  noteSyncStatus(status: { state: string; pending_total: number; last_error: { message: string } | null }): void {
    this.changed({ strip: { ...this.snapshot.strip, sync: { state: status.state, pendingTotal: status.pending_total, lastError: status.last_error?.message ?? null, atMs: Date.now() } } })
  }

  /** The arrival rate of EEG here, over windows of at least 2 s (a batch's own timestamps say what the headset sent, not what arrived). */
  private measureRate(now: number, samples: number): void {
    const w = this.rateWindow
    if (w.startMs === 0) {
      this.rateWindow = { startMs: now, samples: 0 }
      return
    }
    w.samples += samples
    if (now - w.startMs < 2000) return
    const eegRateHz = (w.samples * 1000) / (now - w.startMs)
    this.rateWindow = { startMs: now, samples: 0 }
    this.changed({ strip: { ...this.snapshot.strip, eegRateHz, eegAtMs: now } })
  }

  dismissRefusal(): void {
    if (this.snapshot.refusal) this.changed({ refusal: null })
  }

  acknowledge(alertId: string, tMs: number): void {
    this.changed({ alerts: this.snapshot.alerts.map((alert) => (alert.id === alertId ? { ...alert, acknowledgedAtMs: alert.acknowledgedAtMs ?? tMs } : alert)) })
  }

  /**
   * Fills the view from the station's stored history (GET /sessions/:id/live-history) so a viewer
   * joining late sees the last window and the trend. Live data wins: EEG is seeded only while the
   * stream has delivered none (seeding older samples after newer ones would scramble the ring), and
   * fatigue points only older than the first live one; the tiles only while no live update came.
   */
  seedHistory(history: LiveHistory): void {
    const patch: Partial<LiveSnapshot> = {}
    let eegSamples = 0
    const eeg = history.eeg
    if (eeg && this.nextSeq === null && eeg.samples_uv.length > 0) {
      this.setStreamInfo(eeg.channel_names, eeg.sample_rate_hz)
      const channels = eeg.channel_names.length
      const traces = this.tracesFor(channels, eeg.sample_rate_hz)
      const values = new Float32Array(eeg.samples_uv.length * channels)
      eeg.samples_uv.forEach((row, i) => values.set(row.slice(0, channels), i * channels))
      traces.push(values, eeg.samples_uv.length)
      this.nextSeq = eeg.next_seq
      this.seededFromHistory = true
      eegSamples = eeg.samples_uv.length
    }
    const firstLive = this.fatigue.size ? this.fatigue.point(0)[0] : Infinity
    const older = history.fatigue.filter((p) => p.score !== null && p.t_ms < firstLive)
    if (older.length) {
      // The ring is written in time order: replay the stored curve first, then the live points again.
      const live = Array.from({ length: this.fatigue.size }, (_, i) => this.fatigue.point(i))
      this.fatigue.written = 0
      for (const p of older) this.fatigue.push(p.t_ms, p.score as number)
      for (const [t, v] of live) this.fatigue.push(t, v)
    }
    const m = history.latest_metrics
    if (m && this.snapshot.fatigueScore === null && this.snapshot.fatigueLevel === null) {
      patch.fatigueScore = m.score
      patch.fatigueLevel = m.level
      patch.tiles = tilesOf(m)
      patch.bandPowers = relativeBands(m) ?? this.snapshot.bandPowers
    }
    patch.history = { eegSamples, fatiguePoints: older.length }
    this.changed(patch)
  }

  /** Alerts known before the socket opened (from REST), merged without duplicates. */
  seedAlerts(alerts: LiveAlert[]): void {
    const known = new Map(this.snapshot.alerts.map((alert) => [alert.id, alert]))
    for (const alert of alerts) if (!known.has(alert.id)) known.set(alert.id, alert)
    this.changed({ alerts: [...known.values()].sort((a, b) => b.tMs - a.tMs).slice(0, MAX_ALERTS) })
  }
}
