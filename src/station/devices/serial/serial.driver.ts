/**
 * The serial headset driver: one lifecycle for every byte protocol (Cyton, ThinkGear, line protocol).
 * A `SerialProtocol` supplies the pure parser and the model facts; this class owns the port, the
 * timeline (sequence, gaps, drift-corrected stamps), the no-data watchdog and reconnecting.
 *
 * Only decoded samples make a device `streaming`. Unplugging (port error/close) moves to
 * `reconnecting`: the same path is reopened with exponential backoff (or, if the adapter came back
 * under another name, the port with its USB serial number) and the stream resumes with the same
 * sequence, the lost stretch reported as a `gap`. Silence with the port still open (a board switched
 * off behind its dongle, out of radio range) is `no_data`, not a lost port: the port stays open so no
 * buffered byte is thrown away, the start command is re-sent with growing back-off, and the episode
 * is one `no_data` event and one `data_resumed`. Silence is judged only while the event loop runs: a
 * stalled loop has not read what is waiting in the port yet. Nothing throws out once connected.
 */
import { EventEmitter } from 'node:events'
import type { Transform } from 'node:stream'
import { SerialPort } from 'serialport'
import { VigilError } from '../../../shared/errors'
import { parseErrorCount, type DecodedBatch, type DecodedEvent } from '../protocol'
import { createStreamTimeline, type StreamTimeline } from '../timing/stream-timeline'
import { emptyStats, type DeviceEvent, type DeviceState, type DriverStats, type HeadsetDescriptor, type HeadsetDriver, type HeadsetDriverEvents, type ImpedanceCheckOptions, type SampleBlock } from '../types'
import type { ImpedanceMeasurement } from '../impedance/impedance'
import { measureLeadOffImpedance } from './lead-off-impedance'
import type { SerialDriverOptions, SerialProtocol } from './serial-protocol'
import { closeSerialPort, openSerialPort, rejectNonDevice, requestLowLatency, toDeviceError } from './serial-port-io'
import { findMovedPort, findPortFor, identityOf, listSerialPorts, type PortIdentity } from './port-discovery'

const PARSE_ERROR_REPORT_MS = 1000
/** Like LabRecorder's clock-offset chunks: often enough to correct stamps afterwards, rare enough to be free. */
const CLOCK_REPORT_MS = 10_000
const WATCHDOG_MS = 250
/** A watchdog tick this much later than due means the event loop itself stalled. */
const LOOP_STALL_MS = 250

export class SerialHeadsetDriver extends EventEmitter<HeadsetDriverEvents> implements HeadsetDriver {
  private currentState: DeviceState = 'disconnected'
  private port: SerialPort | null = null
  private framer: Transform | null = null
  private pendingConnect: Promise<void> | null = null
  private readonly counters: DriverStats = emptyStats()
  private timeline: StreamTimeline | null = null
  /** UTC epoch ms minus monotonic ms, fixed per connection so wall-clock jumps never bend stamps. */
  private wallOffsetMs = 0
  private chunks: Array<Buffer | string> = []
  private isFlushScheduled = false
  /** Silence is counted from here: the last samples, the (re)open, or the end of an event-loop stall. */
  private aliveMonoMs = 0
  private lastBytesMonoMs = 0
  private lastTickMonoMs = 0
  private noDataSinceMonoMs = 0
  private nextKickMonoMs = 0
  private kickDelayMs = 0
  /** Resolves connect() once the first samples arrive or the port is judged silent. */
  private settleFirstData: (() => void) | null = null
  private lostAtMonoMs = 0
  private watchdog: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private retryDelayMs = 0
  private reportedParseErrors = 0
  private lastParseReportMonoMs = 0
  private lowLatency: boolean | null = null
  private lastClockReportMonoMs = 0
  private path: string | null = null
  private identity: PortIdentity | null = null

  constructor(
    private readonly protocol: SerialProtocol,
    private readonly options: SerialDriverOptions
  ) {
    super()
  }

  get descriptor(): HeadsetDescriptor {
    return this.protocol.descriptor
  }

  get state(): DeviceState {
    return this.currentState
  }

  /** Whether the port accepted the Linux ASYNC_LOW_LATENCY flag (null before the first open). */
  get isLowLatency(): boolean | null {
    return this.lowLatency
  }

  stats(): DriverStats {
    return { ...this.counters, parseErrors: parseErrorCount(this.protocol.parserStats()) + this.counters.parseErrors }
  }

  connect(): Promise<void> {
    if (this.pendingConnect) return this.pendingConnect
    if (this.currentState !== 'disconnected') return Promise.resolve()
    this.pendingConnect = this.openFirst().finally(() => {
      this.pendingConnect = null
    })
    return this.pendingConnect
  }

  async disconnect(): Promise<void> {
    if (this.currentState === 'disconnected') return
    this.stopTimers()
    this.flushChunks()
    const port = this.port
    this.port = null
    this.setState('disconnected')
    this.settleFirstData?.()
    if (port) await this.closePort(port, true)
    this.emitEvent('disconnected', {})
  }

  /** Lead-off impedance of every electrode (serial/lead-off-impedance.ts); the samples keep flowing meanwhile. */
  async measureImpedance(options: ImpedanceCheckOptions = {}): Promise<ImpedanceMeasurement> {
    const command = this.protocol.leadOffCommand
    if (!command) throw new VigilError('DEVICE_IMPEDANCE_UNSUPPORTED', `${this.descriptor.model} cannot measure electrode impedance`)
    if (this.currentState !== 'streaming' || !this.port) throw new VigilError('DEVICE_NOT_CONNECTED', `The headset is ${this.currentState}, not streaming: no impedance check now`)
    if (this.isMeasuringImpedance) throw new VigilError('DEVICE_NOT_CONNECTED', 'An impedance check is already running')
    this.isMeasuringImpedance = true
    try {
      return await measureLeadOffImpedance(
        {
          descriptor: this.descriptor,
          leadOffCommand: command,
          write: (text) => {
            if (!this.port) throw new VigilError('DEVICE_NOT_CONNECTED', 'The headset went away during the impedance check')
            this.port.write(text)
          },
          stream: this,
          nowMs: () => this.options.clock.wallMs()
        },
        options
      )
    } finally {
      this.isMeasuringImpedance = false
    }
  }

  private isMeasuringImpedance = false

  private async openFirst(): Promise<void> {
    this.setState('connecting')
    try {
      const path = this.options.path ?? (await findPortFor(this.protocol.kind))
      if (!path) throw new VigilError('DEVICE_PORT_NOT_FOUND', `No serial port looks like a ${this.protocol.kind} headset; pass its path`)
      await rejectNonDevice(path)
      this.path = path
      this.protocol.descriptor.port = path
      const port = await this.openAt(path)
      this.lowLatency = await requestLowLatency(port)
      if (this.currentState !== 'connecting') {
        // disconnect() ran while the port was opening.
        await this.closePort(port, false)
        return
      }
      this.wallOffsetMs = this.options.clock.wallMs() - this.options.clock.monotonicMs()
      this.lastClockReportMonoMs = this.options.clock.monotonicMs()
      this.timeline = createStreamTimeline({
        sampleRateHz: this.protocol.descriptor.sampleRateHz,
        counterModulus: this.protocol.counterModulus,
        inferModulus: this.protocol.inferCounterModulus,
        isCounterVirtual: this.protocol.isCounterVirtual
      })
      this.attach(port)
    } catch (err) {
      this.setState('disconnected', err instanceof Error ? err.message : String(err))
      throw toDeviceError(err, this.options.path)
    }
    this.emitEvent('connected', { model: this.descriptor.model, port: this.path, lowLatency: this.lowLatency })
    void this.rememberIdentity()
    this.lastTickMonoMs = this.options.clock.monotonicMs()
    this.watchdog = setInterval(() => this.checkStall(), WATCHDOG_MS)
    this.watchdog.unref?.()
    // The port is open; the state is `streaming` once samples decode, `no_data` if none come.
    const settled = new Promise<void>((resolve) => {
      this.settleFirstData = resolve
    })
    if (this.currentState === 'connecting') await settled
    this.settleFirstData = null
  }

  private openAt(path: string): Promise<SerialPort> {
    return openSerialPort(path, this.options.baudRate ?? this.protocol.defaultBaudRate)
  }

  /** Wires an open port: data → batcher, loss → reconnect, start command, low-latency request. */
  private attach(port: SerialPort): void {
    this.port = port
    this.protocol.reset()
    this.chunks = []
    const framer = this.protocol.createFramer?.() ?? null
    this.framer = framer
    const source = framer ? port.pipe(framer) : port
    source.on('data', (chunk: Buffer | string) => this.onData(chunk))
    port.on('error', (err) => this.onPortLost(port, err.message))
    port.on('close', () => this.onPortLost(port, 'port closed'))
    this.aliveMonoMs = this.options.clock.monotonicMs()
    if (this.protocol.startCommand) port.write(this.protocol.startCommand)
  }

  private onData(chunk: Buffer | string): void {
    this.lastBytesMonoMs = this.options.clock.monotonicMs()
    this.chunks.push(chunk)
    if (this.isFlushScheduled) return
    this.isFlushScheduled = true
    // Lines from one port read arrive as separate 'data' events in the same tick: decode them together.
    queueMicrotask(() => {
      this.isFlushScheduled = false
      this.flushChunks()
    })
  }

  private flushChunks(): void {
    if (this.chunks.length === 0 || !this.timeline) return
    const chunks = this.chunks
    this.chunks = []
    try {
      this.process(this.protocol.decode(chunks), this.options.clock.monotonicMs())
    } catch (err) {
      // Parsers do not throw; this guards listeners further down so one bad handler cannot kill acquisition.
      this.counters.parseErrors++
      this.emitEvent('parse_errors', { error: err instanceof Error ? err.message : String(err) })
    }
  }

  private process(batch: DecodedBatch, arrivalMonoMs: number): void {
    const timeline = this.timeline!
    if (batch.events.length > 0) this.handleDecodedEvents(batch.events, timeline)
    this.reportParseErrors(arrivalMonoMs)
    if (batch.count === 0) return
    const result = timeline.ingest(batch, arrivalMonoMs)
    this.counters.parseErrors += result.duplicates
    let g = 0
    const periodMs = timeline.periodMs
    const stride = batch.channelCount
    for (const segment of result.segments) {
      while (g < result.gaps.length && result.gaps[g].afterSeq < segment.firstSeq) {
        this.reportGap(result.gaps[g++], segment.timestampsMonoMs[0] + this.wallOffsetMs, periodMs)
      }
      const timestampsMs = segment.timestampsMonoMs
      for (let k = 0; k < timestampsMs.length; k++) timestampsMs[k] += this.wallOffsetMs
      const block: SampleBlock = {
        firstSeq: segment.firstSeq,
        channelCount: stride,
        timestampsMs,
        samplesUv: batch.samplesUv.slice(segment.start * stride, (segment.start + segment.count) * stride)
      }
      this.counters.samplesReceived += segment.count
      this.markAlive(arrivalMonoMs)
      this.emit('samples', block)
    }
    while (g < result.gaps.length) this.reportGap(result.gaps[g++], arrivalMonoMs + this.wallOffsetMs, periodMs)
  }

  /** Samples decoded: the device is streaming (again). */
  private markAlive(nowMonoMs: number): void {
    this.aliveMonoMs = nowMonoMs
    if (this.currentState === 'streaming') return
    if (this.currentState === 'no_data') this.emitEvent('data_resumed', { downMs: Math.round(nowMonoMs - this.noDataSinceMonoMs) })
    this.setState('streaming')
    this.settleFirstData?.()
  }

  private enterNoData(nowMonoMs: number, silentMs: number): void {
    const parseErrors = this.stats().parseErrors
    const isGarbled = this.lastBytesMonoMs > this.aliveMonoMs && nowMonoMs - this.lastBytesMonoMs < silentMs
    const hint = this.protocol.silenceHint ? ` (${this.protocol.silenceHint})` : ''
    const reason = isGarbled
      ? `bytes arrive but no ${this.protocol.kind} samples decode for ${Math.round(silentMs)} ms (${parseErrors} parse errors): check the baud rate and the format`
      : `no data for ${Math.round(silentMs)} ms${hint}`
    this.noDataSinceMonoMs = nowMonoMs - silentMs
    this.kickDelayMs = this.options.noDataRetryInitialMs ?? 1000
    this.nextKickMonoMs = nowMonoMs + this.kickDelayMs
    this.setState('no_data', reason)
    this.emitEvent('no_data', { reason, silentMs: Math.round(silentMs) })
    this.settleFirstData?.()
  }

  /**
   * A board that was switched off and on again waits for its start command. Re-sending it restarts
   * the firmware's sample counter, so the gap before the next samples is sized from the clock.
   */
  private kick(nowMonoMs: number): void {
    this.kickDelayMs = Math.min(this.kickDelayMs * 2, this.options.noDataRetryMaxMs ?? 30_000)
    this.nextKickMonoMs = nowMonoMs + this.kickDelayMs
    if (!this.protocol.startCommand || !this.port) return
    this.port.write(this.protocol.startCommand)
    if (this.protocol.restartsCounterOnStart) this.timeline?.resumeFromClock()
  }

  private reportGap(gap: { afterSeq: number; size: number }, tMs: number, periodMs: number): void {
    this.counters.gaps++
    this.counters.samplesDropped += gap.size
    this.emitEvent('gap', { afterSeq: gap.afterSeq, size: gap.size, durationMs: Math.round(gap.size * periodMs) }, tMs)
  }

  private handleDecodedEvents(events: DecodedEvent[], timeline: StreamTimeline): void {
    const rateBefore = this.protocol.descriptor.sampleRateHz
    if (this.protocol.applyEvents?.(events)) {
      if (this.protocol.descriptor.sampleRateHz !== rateBefore) timeline.setSampleRate(this.protocol.descriptor.sampleRateHz)
      // While connecting, the `streaming` that follows carries the new descriptor.
      if (this.currentState !== 'connecting') this.emit('state', this.currentState, `headset reported ${this.descriptor.channelNames.length} channels at ${this.descriptor.sampleRateHz} Hz`)
    }
    for (const event of events) {
      if (event.name === 'header' || event.name === 'settings') continue
      if (event.name === 'layout_ignored' || event.name === 'layout_changed') {
        this.emitEvent('layout', { applied: event.name === 'layout_changed', channels: event.value })
        continue
      }
      this.emitEvent('metrics', { name: event.name, value: event.value })
    }
  }

  private reportParseErrors(nowMonoMs: number): void {
    const total = this.stats().parseErrors
    if (total === this.reportedParseErrors || nowMonoMs - this.lastParseReportMonoMs < PARSE_ERROR_REPORT_MS) return
    const parser = this.protocol.parserStats()
    this.emitEvent('parse_errors', { total, new: total - this.reportedParseErrors, garbageBytes: parser.garbageBytes, badFrames: parser.badFrames })
    this.reportedParseErrors = total
    this.lastParseReportMonoMs = nowMonoMs
  }

  /**
   * Stamps use the wall clock read once at connect; reporting its current offset lets an analysis
   * map them to wall time if NTP moved the clock during a long recording.
   */
  private reportClock(nowMonoMs: number): void {
    if (nowMonoMs - this.lastClockReportMonoMs < CLOCK_REPORT_MS) return
    this.lastClockReportMonoMs = nowMonoMs
    const wallMinusMonoMs = this.options.clock.wallMs() - nowMonoMs
    this.emitEvent('clock', { wallMinusMonoMs, anchorWallMinusMonoMs: this.wallOffsetMs, wallDriftMs: wallMinusMonoMs - this.wallOffsetMs, periodMs: this.timeline?.periodMs ?? null })
  }

  private checkStall(): void {
    const now = this.options.clock.monotonicMs()
    const lateMs = now - this.lastTickMonoMs - WATCHDOG_MS
    this.lastTickMonoMs = now
    if (lateMs > LOOP_STALL_MS) {
      // The loop itself stalled (GC, a slow handler, a loaded machine): whatever the port received
      // meanwhile is still unread, so silence counts again from now.
      this.aliveMonoMs = Math.max(this.aliveMonoMs, now)
      return
    }
    if (!this.port) return
    if (this.currentState === 'streaming') this.reportClock(now)
    if (this.currentState === 'no_data') {
      if (now >= this.nextKickMonoMs) this.kick(now)
      return
    }
    const silentMs = now - this.aliveMonoMs
    if (silentMs > (this.options.stallTimeoutMs ?? 2000)) this.enterNoData(now, silentMs)
  }

  private onPortLost(port: SerialPort | null, reason: string): void {
    if (port !== this.port || port === null || this.currentState === 'disconnected') return
    this.flushChunks()
    this.port = null
    void this.closePort(port!, false)
    this.lostAtMonoMs = this.options.clock.monotonicMs()
    this.retryDelayMs = this.options.reconnectInitialDelayMs ?? 250
    this.setState('reconnecting', reason)
    this.emitEvent('reconnecting', { reason })
    this.settleFirstData?.()
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    this.retryTimer = setTimeout(() => void this.retry(), this.retryDelayMs)
    this.retryTimer.unref?.()
  }

  /** Notes the USB identity of the open port, so a replug under another name is still found. */
  private async rememberIdentity(): Promise<void> {
    // Only real device nodes have USB ids (listing ports spawns udevadm; ptys and sockets have none).
    if (!this.path?.startsWith('/dev/') && process.platform !== 'win32') return
    try {
      const ports = await listSerialPorts()
      this.identity = identityOf(ports.find((p) => p.path === this.path))
    } catch {
      this.identity = null
    }
  }

  private async retry(): Promise<void> {
    this.retryTimer = null
    if (this.currentState !== 'reconnecting' || !this.path) return
    const previousPath = this.path
    let port: SerialPort
    try {
      port = await this.openAt(this.path)
    } catch {
      const moved = this.identity ? await findMovedPort(this.identity, this.path) : null
      try {
        if (!moved) throw new Error('not back yet')
        port = await this.openAt(moved)
        this.path = moved
        this.protocol.descriptor.port = moved
      } catch {
        if (this.currentState !== 'reconnecting') return
        this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.reconnectMaxDelayMs ?? 5000)
        this.scheduleRetry()
        return
      }
    }
    if (this.currentState !== 'reconnecting') {
      await this.closePort(port, false)
      return
    }
    this.lowLatency = await requestLowLatency(port)
    if (this.currentState !== 'reconnecting') {
      await this.closePort(port, false)
      return
    }
    this.attach(port)
    // A counter the start command restarts (Cyton) or the parser's own says nothing across the
    // reopen: that gap comes from the clock. A device's free-running counter (line protocol) stays exact.
    if (this.protocol.restartsCounterOnStart || this.protocol.isCounterVirtual) this.timeline?.resumeFromClock()
    this.counters.reconnects++
    // Still `reconnecting` until samples decode (or `no_data` if the port stays silent).
    this.emitEvent('reconnected', { downMs: Math.round(this.options.clock.monotonicMs() - this.lostAtMonoMs), port: this.path, previousPort: previousPath })
  }

  private async closePort(port: SerialPort, sendStop: boolean): Promise<void> {
    if (this.framer) {
      port.unpipe(this.framer)
      this.framer.removeAllListeners('data')
      this.framer = null
    }
    await closeSerialPort(port, sendStop ? this.protocol.stopCommand : undefined)
  }

  private stopTimers(): void {
    if (this.watchdog) clearInterval(this.watchdog)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.watchdog = null
    this.retryTimer = null
  }

  private setState(state: DeviceState, detail?: string): void {
    this.currentState = state
    this.emit('state', state, detail)
  }

  private emitEvent(kind: DeviceEvent['kind'], data: Record<string, unknown>, tMs = this.options.clock.wallMs()): void {
    this.emit('event', { kind, tMs, data })
  }
}
