/**
 * A connection's bounded send queue. Frames go straight to the socket while the socket's own buffer
 * (`bufferedAmount`: bytes handed to ws but not yet accepted by the kernel) is under the high-water
 * mark. Above it, frames wait here, and the queue stays bounded:
 *   - live frames with a coalescing key (device status, fatigue, monitor snapshots) replace the
 *     queued frame with the same key: the client gets the latest state, not the history;
 *   - other live frames (EEG, face, game) beyond `maxQueuedLiveFrames` push out the oldest one;
 *   - reliable frames (acks, errors, alerts, session status) are never dropped; if even they exceed
 *     `maxQueuedReliableFrames` the client is hopeless and `onOverflow` closes it.
 * Dropped frames are counted and reported by a `lagging` frame sent first once the client catches up.
 * One outbox never waits for another, so a slow client cannot delay the others.
 */
import type { WebSocket } from 'ws'

export interface OutboxLimits {
  highWaterBytes: number
  maxQueuedLiveFrames: number
  maxQueuedReliableFrames: number
  /** How often a backed-up queue re-checks the socket buffer. */
  drainCheckMs: number
}

export type FrameKind = 'live' | 'reliable'

interface QueuedFrame {
  data: Buffer
  kind: FrameKind
  key: string | null
}

const TEXT_FRAME = { binary: false } as const

export class Outbox {
  private readonly queue: QueuedFrame[] = []
  private liveQueued = 0
  private reliableQueued = 0
  private drainTimer: NodeJS.Timeout | null = null
  /** Dropped since the last `lagging` notice. */
  private droppedSinceNotice = 0
  totalDropped = 0
  framesSent = 0

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: OutboxLimits,
    private readonly laggingFrame: (dropped: number, total: number) => Buffer,
    private readonly onOverflow: () => void
  ) {}

  get queuedFrames(): number {
    return this.queue.length
  }

  get isLagging(): boolean {
    return this.queue.length > 0 || this.droppedSinceNotice > 0
  }

  send(data: Buffer, kind: FrameKind, key: string | null = null): void {
    if (this.socket.readyState !== this.socket.OPEN) return
    if (this.queue.length === 0 && this.droppedSinceNotice === 0 && this.socket.bufferedAmount < this.limits.highWaterBytes) {
      this.write(data)
      return
    }
    this.enqueue({ data, kind, key })
    if (!this.drainTimer && this.socket.readyState === this.socket.OPEN) this.drainTimer = setTimeout(this.drain, this.limits.drainCheckMs)
  }

  /** Stops the drain timer; queued frames are discarded with the connection. */
  dispose(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer)
    this.drainTimer = null
    this.queue.length = 0
  }

  private write(data: Buffer): void {
    this.socket.send(data, TEXT_FRAME)
    this.framesSent++
  }

  private enqueue(frame: QueuedFrame): void {
    if (frame.kind === 'reliable') {
      if (this.reliableQueued >= this.limits.maxQueuedReliableFrames) {
        this.dispose()
        this.onOverflow()
        return
      }
      this.reliableQueued++
      this.queue.push(frame)
      return
    }
    if (frame.key !== null) {
      const same = this.queue.findIndex((f) => f.key === frame.key)
      if (same >= 0) {
        this.queue[same] = frame
        this.countDropped(1)
        return
      }
    }
    if (this.liveQueued >= this.limits.maxQueuedLiveFrames) {
      const oldest = this.queue.findIndex((f) => f.kind === 'live')
      this.queue.splice(oldest, 1)
      this.liveQueued--
      this.countDropped(1)
    }
    this.liveQueued++
    this.queue.push(frame)
  }

  private countDropped(n: number): void {
    this.droppedSinceNotice += n
    this.totalDropped += n
  }

  private drain = (): void => {
    this.drainTimer = null
    if (this.socket.readyState !== this.socket.OPEN) return this.dispose()
    while (this.socket.bufferedAmount < this.limits.highWaterBytes && (this.queue.length > 0 || this.droppedSinceNotice > 0)) {
      if (this.droppedSinceNotice > 0) {
        this.write(this.laggingFrame(this.droppedSinceNotice, this.totalDropped))
        this.droppedSinceNotice = 0
        continue
      }
      const frame = this.queue.shift()!
      if (frame.kind === 'live') this.liveQueued--
      else this.reliableQueued--
      this.write(frame.data)
    }
    if (this.queue.length > 0 || this.droppedSinceNotice > 0) {
      this.drainTimer = setTimeout(this.drain, this.limits.drainCheckMs)
    }
  }
}
