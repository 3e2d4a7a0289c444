/**
 * The device side of a pty pair: writes protocol frames in real time, in bursts (like the FTDI
 * latency timer), with seeded drops and garbage, and can be unplugged and replugged. The board keeps
 * its own clock while unplugged, so frames due meanwhile are lost, as with a real headset.
 */
import { SerialPort } from 'serialport'
import type { PtyPair } from './pty-pair'
import { createRandom } from '../../../shared/random'

export interface EmulatorFaults {
  /** Probability that a frame is not sent (default 0). */
  dropProbability?: number
  /** Probability per burst of a run of 1-40 random bytes before it (default 0). */
  garbageProbability?: number
  seed?: number
}

export interface SerialEmulatorOptions extends EmulatorFaults {
  pair: PtyPair
  frameRateHz: number
  /** Encodes frame number `index` (0, 1, 2... in device time). */
  encodeFrame(index: number): Uint8Array
  /** Bytes written whenever the device end is (re)opened, e.g. a line-protocol header. */
  preamble?(): Uint8Array | null
  /** Streams only after receiving this command byte (Cyton 'b'); 'stopCommand' pauses it. */
  startCommand?: string
  stopCommand?: string
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
  readonly isStreaming: boolean
  /** Every command byte the host sent, in order. */
  readonly commands: string
  start(): Promise<void>
  /** Kills the cable for `downMs`, then recreates it at the same paths. */
  unplug(downMs: number): Promise<void>
  /** Goes silent for `ms` with the port still open (a radio dropout); frames due meanwhile are lost. */
  pause(ms: number): Promise<void>
  stop(): Promise<void>
}

export function createSerialEmulator(options: SerialEmulatorOptions): SerialEmulator {
  const random = createRandom(options.seed ?? 1)
  const burstMs = options.burstMs ?? 16
  let port: SerialPort | null = null
  let timer: NodeJS.Timeout | null = null
  let isStreaming = !options.startCommand
  let streamStartMs = 0
  let nextFrame = 0
  let framesSent = 0
  let framesDropped = 0
  let commands = ''
  let pausedUntilMs = 0

  async function openDevice(): Promise<void> {
    const p = new SerialPort({ path: options.pair.devicePath, baudRate: options.baudRate ?? 115_200, autoOpen: false })
    await new Promise<void>((resolve, reject) => p.open((err) => (err ? reject(err) : resolve())))
    p.on('error', () => {})
    p.on('data', (data: Buffer) => {
      const text = data.toString('latin1')
      commands += text
      for (const char of text) {
        const reply = options.replies?.[char]
        if (reply) p.write(Buffer.from(reply, 'latin1'))
      }
      if (options.startCommand && text.includes(options.startCommand) && !isStreaming) {
        isStreaming = true
        streamStartMs = performance.now()
        nextFrame = 0
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
    return Math.floor(((performance.now() - streamStartMs) * options.frameRateHz) / 1000)
  }

  function tick(): void {
    if (!isStreaming) return
    const until = due()
    if (until <= nextFrame) return
    if (!port || performance.now() < pausedUntilMs) {
      // Unplugged or out of radio range: the board keeps sampling, the frames go nowhere.
      framesDropped += until - nextFrame
      nextFrame = until
      return
    }
    const parts: Uint8Array[] = []
    if (options.garbageProbability && random() < options.garbageProbability) {
      const junk = new Uint8Array(1 + Math.floor(random() * 40))
      for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(random() * 256)
      parts.push(junk)
    }
    for (; nextFrame < until; nextFrame++) {
      if (options.dropProbability && random() < options.dropProbability) {
        framesDropped++
        continue
      }
      parts.push(options.encodeFrame(nextFrame))
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
    get isStreaming() {
      return isStreaming
    },
    get commands() {
      return commands
    },
    async start() {
      streamStartMs = performance.now()
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
    async stop() {
      if (timer) clearInterval(timer)
      timer = null
      await closeDevice()
    }
  }
}
