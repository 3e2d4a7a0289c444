/**
 * The device side of a pty pair: writes protocol frames in real time, in bursts (like the FTDI
 * latency timer), with seeded drops, garbage and corrupted frames, and can be unplugged and
 * replugged. The board keeps its own clock while unplugged, so frames due meanwhile are lost, as with
 * a real headset. Like the Cyton firmware, a start command restarts the stream and its sample counter
 * at 0 every time it arrives; the frame index (the signal) keeps running on the board's clock.
 */
import { SerialPort } from 'serialport'
import type { PtyPair } from './pty-pair'
import { createRandom } from '../../../shared/random'

export interface EmulatorFaults {
  /** Probability that a frame is not sent (default 0). */
  dropProbability?: number
  /** Probability per burst of a run of 1-40 random bytes before it (default 0). */
  garbageProbability?: number
  /** Probability that a frame's last byte (footer, checksum, newline) is corrupted (default 0). */
  corruptProbability?: number
  /** Which frames may be corrupted (default all). */
  isCorruptible?(index: number): boolean
  /** Bytes to send right before frame `index` (a crafted fault), or null. */
  injectBefore?(index: number): Uint8Array | null
  /** Bytes to send at the start of the burst of frames [first, end) (what a host reads first), or null. */
  atBurstStart?(first: number, end: number): Uint8Array | null
  seed?: number
}

export interface SerialEmulatorOptions extends EmulatorFaults {
  pair: PtyPair
  frameRateHz: number
  /**
   * Encodes frame number `index` (0, 1, 2... in device time, from the first start) whose counter is
   * `counter` (frames since the last start command; equal to `index` without a start command).
   */
  encodeFrame(index: number, counter: number): Uint8Array
  /** Bytes written whenever the device end is (re)opened, e.g. a line-protocol header. */
  preamble?(): Uint8Array | null
  /** Streams only after receiving this command byte (Cyton 'b'); 'stopCommand' pauses it. */
  startCommand?: string
  stopCommand?: string
  /** Every command text the powered-on device receives (multi-byte commands such as Cyton `z1 0 1Z`). */
  onCommand?(text: string): void
  /** Text the device answers to a command byte (Cyton 'd' → "updating channel settings to default$$$"). */
  replies?: Readonly<Record<string, string>>
  /** Frames per write (default: what accumulates in 16 ms). */
  burstMs?: number
  baudRate?: number
}

export interface SerialEmulator {
  readonly framesDue: number
  readonly framesSent: number
  readonly framesDropped: number
  readonly framesCorrupted: number
  readonly isStreaming: boolean
  /** Every command byte the host sent, in order. */
  readonly commands: string
  /** When each start command arrived (performance.now() ms). */
  readonly startTimesMs: readonly number[]
  start(): Promise<void>
  /** Kills the cable for `downMs`, then recreates it at the same paths. */
  unplug(downMs: number): Promise<void>
  /** Goes silent for `ms` with the port still open (a radio dropout); frames due meanwhile are lost. */
  pause(ms: number): Promise<void>
  /** Switches the board off (the dongle stays): no frames, no answers, streaming forgotten. */
  powerOff(): void
  /** Switches it on: it streams again after the next start command (at once without one). */
  powerOn(): void
  stop(): Promise<void>
}

export function createSerialEmulator(options: SerialEmulatorOptions): SerialEmulator {
  const random = createRandom(options.seed ?? 1)
  const burstMs = options.burstMs ?? 16
  let port: SerialPort | null = null
  let timer: NodeJS.Timeout | null = null
  let isStreaming = !options.startCommand
  let isPoweredOn = true
  /** Device time zero: the first start (or start() without a start command). */
  let clockStartMs: number | null = null
  let streamFirstFrame = 0
  let nextFrame = 0
  let framesSent = 0
  let framesDropped = 0
  let framesCorrupted = 0
  let commands = ''
  const startTimesMs: number[] = []
  let pausedUntilMs = 0

  async function openDevice(): Promise<void> {
    const p = new SerialPort({ path: options.pair.devicePath, baudRate: options.baudRate ?? 115_200, autoOpen: false })
    await new Promise<void>((resolve, reject) => p.open((err) => (err ? reject(err) : resolve())))
    p.on('error', () => {})
    p.on('data', (data: Buffer) => {
      const text = data.toString('latin1')
      // The dongle takes every byte; a board that is off acts on none.
      commands += text
      if (!isPoweredOn) return
      options.onCommand?.(text)
      for (const char of text) {
        const reply = options.replies?.[char]
        if (reply) p.write(Buffer.from(reply, 'latin1'))
      }
      if (options.startCommand && text.includes(options.startCommand)) {
        // The firmware (re)starts the stream with its counter at 0, streaming or not.
        const now = performance.now()
        startTimesMs.push(now)
        if (clockStartMs === null) clockStartMs = now
        isStreaming = true
        nextFrame = due()
        streamFirstFrame = nextFrame
      }
      if (options.stopCommand && text.includes(options.stopCommand)) isStreaming = false
    })
    port = p
    const preamble = options.preamble?.()
    if (preamble) p.write(Buffer.from(preamble))
  }

  function closeDevice(): Promise<void> {
    const p = port
    port = null
    if (!p || !p.isOpen) return Promise.resolve()
    return new Promise((resolve) => p.close(() => resolve()))
  }

  function due(): number {
    return clockStartMs === null ? 0 : Math.floor(((performance.now() - clockStartMs) * options.frameRateHz) / 1000)
  }

  function tick(): void {
    if (!isStreaming || !isPoweredOn) return
    const until = due()
    if (until <= nextFrame) return
    if (!port || performance.now() < pausedUntilMs) {
      // Unplugged or out of radio range: the board keeps sampling, the frames go nowhere.
      framesDropped += until - nextFrame
      nextFrame = until
      return
    }
    const parts: Uint8Array[] = []
    const lead = options.atBurstStart?.(nextFrame, until)
    if (lead) parts.push(lead)
    if (options.garbageProbability && random() < options.garbageProbability) {
      const junk = new Uint8Array(1 + Math.floor(random() * 40))
      for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(random() * 256)
      parts.push(junk)
    }
    for (; nextFrame < until; nextFrame++) {
      const injected = options.injectBefore?.(nextFrame)
      if (injected) parts.push(injected)
      if (options.dropProbability && random() < options.dropProbability) {
        framesDropped++
        continue
      }
      let frame = options.encodeFrame(nextFrame, nextFrame - streamFirstFrame)
      if (options.corruptProbability && (options.isCorruptible?.(nextFrame) ?? true) && random() < options.corruptProbability) {
        frame = Uint8Array.from(frame)
        frame[frame.length - 1] ^= 0x20
        framesCorrupted++
      }
      parts.push(frame)
      framesSent++
    }
    if (parts.length > 0) port.write(Buffer.concat(parts))
  }

  return {
    get framesDue() {
      return nextFrame
    },
    get framesSent() {
      return framesSent
    },
    get framesDropped() {
      return framesDropped
    },
    get framesCorrupted() {
      return framesCorrupted
    },
    get isStreaming() {
      return isStreaming
    },
    get commands() {
      return commands
    },
    get startTimesMs() {
      return startTimesMs
    },
    async start() {
      if (!options.startCommand) clockStartMs = performance.now()
      await openDevice()
      timer = setInterval(tick, burstMs)
    },
    async unplug(downMs) {
      await closeDevice()
      await options.pair.unplug()
      await new Promise((r) => setTimeout(r, downMs))
      await options.pair.replug()
      await openDevice()
    },
    async pause(ms) {
      pausedUntilMs = performance.now() + ms
      await new Promise((r) => setTimeout(r, ms))
    },
    powerOff() {
      isPoweredOn = false
      if (options.startCommand) isStreaming = false
    },
    powerOn() {
      isPoweredOn = true
      if (!options.startCommand) {
        nextFrame = due()
        streamFirstFrame = nextFrame
        isStreaming = true
      }
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = null
      await closeDevice()
    }
  }
}
