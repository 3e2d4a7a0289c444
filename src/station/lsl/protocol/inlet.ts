/**
 * An LSL inlet: fetches the fullinfo, opens a protocol-1.10 stream feed, checks the two test
 * pattern samples, then decodes samples (filling deduced timestamps from the nominal rate).
 * When the outlet goes away it re-resolves a stream with the same source_id (liblsl's
 * "recover") and reconnects; time correction is measured with liblsl's NTP-like UDP probes.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { lslLocalClock, type LslClock, type LslNetworkConfig } from './lsl-network'
import { resolveStreams } from './resolver'
import { readSample, testPatternSample, type SampleValues } from './sample-codec'
import { LSL_PROTOCOL_VERSION, parseStreamInfo, VALUE_BYTES, type StreamInfo } from './stream-info'

export interface ReceivedSample {
  /** The outlet's LSL clock, seconds (add a time correction to map it onto ours). */
  timestamp: number
  values: SampleValues
}

export type InletStatus = 'connected' | 'lost' | 'recovered' | 'closed'

export interface LslInletOptions {
  network: LslNetworkConfig
  clock?: LslClock
  /** Samples the outlet may buffer for us (liblsl default: 360 s). */
  maxBufferSeconds?: number
  /** Re-resolve by source_id after a lost connection (liblsl default: on). */
  recover?: boolean
  recoverIntervalMs?: number
  /** Declare the connection lost after this long without data on a regular stream. */
  watchdogMs?: number
  onSamples: (samples: ReceivedSample[]) => void
  onStatus?: (status: InletStatus, info: StreamInfo) => void
  log?: (message: string) => void
}

export interface TimeCorrection {
  /** Add to the outlet's timestamps to get ours (liblsl `time_correction()`). */
  correctionSeconds: number
  /** Round trip of the probe the estimate came from; an upper bound on its error. */
  rttSeconds: number
  /** Our clock when it was measured. */
  measuredAt: number
  /** The outlet's clock at the same moment. */
  remoteAt: number
}

export interface LslInlet {
  readonly info: StreamInfo
  readonly isConnected: boolean
  open(): Promise<void>
  close(): Promise<void>
  timeCorrection(options?: { probes?: number; intervalMs?: number; maxRttMs?: number }): Promise<TimeCorrection>
}

export class LslInletError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'HANDSHAKE' | 'PROTOCOL' | 'TIMEOUT' | 'CLOSED',
    message: string
  ) {
    super(message)
  }
}

function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`
}

/** The query liblsl uses to find "the same stream" again after a restart. */
export function recoveryQuery(info: StreamInfo): string {
  const parts = [`name=${quote(info.name)}`, `type=${quote(info.type)}`, `channel_count=${info.channelCount}`, `channel_format='${info.channelFormat}'`]
  parts.push(info.sourceId ? `source_id=${quote(info.sourceId)}` : `uid='${info.uid}'`)
  return parts.join(' and ')
}

function readAll(address: string, port: number, request: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = net.connect({ host: address, port }, () => socket.write(request))
    socket.setTimeout(timeoutMs, () => socket.destroy(new LslInletError('TIMEOUT', `no reply from ${address}:${port}`)))
    socket.on('data', (d) => chunks.push(d))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks)))
  })
}

export function openLslInlet(resolved: StreamInfo, options: LslInletOptions): LslInlet {
  const clock = options.clock ?? lslLocalClock
  const log = options.log ?? (() => {})
  let info = resolved
  let feed: net.Socket | null = null
  let closing = false
  let connected = false
  let recovering: Promise<void> | null = null
  let lastDataAt = 0
  let watchdog: NodeJS.Timeout | null = null
  let lastTimestamp = 0

  const address = (): string => info.v4address || '127.0.0.1'

  const fetchFullinfo = async (): Promise<StreamInfo> => {
    const reply = await readAll(address(), info.v4dataPort, 'LSL:fullinfo\r\n', 5000)
    const full = parseStreamInfo(reply.toString('utf8'))
    if (full.uid !== info.uid) throw new LslInletError('NOT_FOUND', `stream ${info.name} was replaced (uid changed)`)
    return { ...full, v4address: info.v4address }
  }

  const connectFeed = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const maxBuffered = Math.max(1, Math.round((options.maxBufferSeconds ?? 360) * (info.nominalSrateHz > 0 ? info.nominalSrateHz : 100)))
      const request =
        `LSL:streamfeed/${LSL_PROTOCOL_VERSION} ${info.uid}\r\n` +
        `Native-Byte-Order: 1234\r\n` +
        `Endian-Performance: 0\r\n` +
        `Has-IEEE754-Floats: 1\r\n` +
        `Supports-Subnormals: 1\r\n` +
        // liblsl sends sizeof(std::string) for strings; any value is ignored for them.
        `Value-Size: ${info.channelFormat === 'string' ? 32 : VALUE_BYTES[info.channelFormat]}\r\n` +
        `Data-Protocol-Version: ${LSL_PROTOCOL_VERSION}\r\n` +
        `Max-Buffer-Length: ${maxBuffered}\r\n` +
        `Max-Chunk-Length: 0\r\n` +
        `Hostname: ${info.hostname}\r\n` +
        `Source-Id: ${info.sourceId}\r\n` +
        `Session-Id: ${info.sessionId}\r\n\r\n`
      const socket = net.connect({ host: address(), port: info.v4dataPort }, () => socket.write(request))
      socket.setNoDelay(true)
      let buffered = Buffer.alloc(0)
      let stage: 'header' | 'patterns' | 'data' = 'header'
      let littleEndian = true
      let patternsSeen = 0
      let settled = false
      const fail = (error: Error): void => {
        if (!settled) {
          settled = true
          reject(error)
        }
        socket.destroy()
      }
      socket.on('error', (error) => fail(error))
      socket.on('data', (chunk) => {
        lastDataAt = clock()
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
        try {
          if (stage === 'header') {
            const end = buffered.indexOf('\r\n\r\n')
            if (end < 0) {
              // Error replies are one status line and a close.
              if (buffered.length > 16 * 1024) fail(new LslInletError('HANDSHAKE', 'feed header too long'))
              return
            }
            const lines = buffered.toString('latin1', 0, end).split('\r\n')
            const status = lines[0]!.split(' ')
            if (!status[0]?.startsWith('LSL/') || status[1] !== '200') {
              fail(new LslInletError('HANDSHAKE', `outlet refused the feed: ${lines[0]}`))
              return
            }
            for (const line of lines.slice(1)) {
              const [key, value] = line.split(/:\s*/, 2) as [string, string | undefined]
              const k = key.trim().toLowerCase()
              if (k === 'byte-order') littleEndian = Number(value) !== 4321
              if (k === 'uid' && value?.trim() !== info.uid) throw new LslInletError('HANDSHAKE', 'outlet answered with another uid')
              if (k === 'data-protocol-version' && Number(value) !== LSL_PROTOCOL_VERSION) {
                throw new LslInletError('PROTOCOL', `outlet chose data protocol ${value}; only ${LSL_PROTOCOL_VERSION} is supported`)
              }
            }
            buffered = buffered.subarray(end + 4)
            stage = 'patterns'
          }
          let offset = 0
          const samples: ReceivedSample[] = []
          for (;;) {
            const decoded = readSample(buffered, offset, info.channelFormat, info.channelCount, littleEndian)
            if (!decoded) break
            offset = decoded.end
            if (stage === 'patterns') {
              const expected = testPatternSample(info.channelFormat, info.channelCount, patternsSeen === 0 ? 4 : 2)
              const matches =
                decoded.timestamp === expected.timestamp &&
                decoded.values.every((v, k) => (info.channelFormat === 'float32' ? Math.fround(expected.values[k] as number) === v : expected.values[k] === v))
              if (!matches) throw new LslInletError('PROTOCOL', 'test pattern mismatch: the protocol formats are likely incompatible')
              patternsSeen++
              if (patternsSeen === 2) {
                stage = 'data'
                settled = true
                connected = true
                resolve()
              }
              continue
            }
            let timestamp = decoded.timestamp
            if (timestamp === null) timestamp = lastTimestamp + (info.nominalSrateHz > 0 ? 1 / info.nominalSrateHz : 0)
            lastTimestamp = timestamp
            samples.push({ timestamp, values: decoded.values })
          }
          buffered = offset >= buffered.length ? Buffer.alloc(0) : buffered.subarray(offset)
          if (samples.length > 0) options.onSamples(samples)
        } catch (error) {
          fail(error as Error)
        }
      })
      socket.on('close', () => {
        if (!settled) fail(new LslInletError('HANDSHAKE', 'outlet closed the connection during the handshake'))
        if (feed === socket) {
          feed = null
          const wasConnected = connected
          connected = false
          if (wasConnected && !closing) onLost()
        }
      })
      feed = socket
    })

  const onLost = (): void => {
    options.onStatus?.('lost', info)
    if (options.recover === false) return
    recovering ??= recover().finally(() => {
      recovering = null
    })
  }

  const recover = async (): Promise<void> => {
    const query = recoveryQuery(info)
    for (;;) {
      if (closing) return
      const found = await resolveStreams({ network: options.network, query, minimum: 1, timeoutMs: options.recoverIntervalMs ?? 500, log })
      if (closing) return
      const candidate = found[0]
      if (candidate) {
        try {
          info = candidate
          info = await fetchFullinfo()
          await connectFeed()
          options.onStatus?.('recovered', info)
          return
        } catch (error) {
          log(`LSL inlet: recovery attempt failed: ${(error as Error).message}`)
        }
      }
    }
  }

  return {
    get info() {
      return info
    },
    get isConnected() {
      return connected
    },
    async open() {
      closing = false
      info = await fetchFullinfo()
      await connectFeed()
      options.onStatus?.('connected', info)
      const watchdogMs = options.watchdogMs ?? 15_000
      if (info.nominalSrateHz > 0) {
        watchdog = setInterval(
          () => {
            if (connected && feed && (clock() - lastDataAt) * 1000 > watchdogMs) {
              log(`LSL inlet: no data from ${info.name} for ${watchdogMs} ms; reconnecting`)
              feed.destroy()
            }
          },
          Math.min(watchdogMs, 1000)
        )
        watchdog.unref()
      }
    },
    async close() {
      closing = true
      if (watchdog) clearInterval(watchdog)
      feed?.destroy()
      feed = null
      connected = false
      await recovering
      options.onStatus?.('closed', info)
    },
    async timeCorrection(probeOptions = {}) {
      const probes = probeOptions.probes ?? 8
      const intervalMs = probeOptions.intervalMs ?? 64
      const maxRttMs = probeOptions.maxRttMs ?? 128
      const socket = dgram.createSocket('udp4')
      const waveId = Math.floor(Math.random() * 1e9)
      const estimates: TimeCorrection[] = []
      socket.on('message', (msg) => {
        const t3 = clock()
        const parts = msg.toString('latin1').trim().split(/\s+/).map(Number)
        if (parts.length < 4 || parts[0] !== waveId) return
        const [, t0, t1, t2] = parts as [number, number, number, number]
        const rtt = t3 - t0 - (t2 - t1)
        const offset = (t1 - t0 + (t2 - t3)) / 2
        estimates.push({ correctionSeconds: -offset, rttSeconds: rtt, measuredAt: (t3 + t0) / 2, remoteAt: (t2 + t1) / 2 })
      })
      await new Promise<void>((resolve) => socket.bind(0, () => resolve()))
      try {
        for (let k = 0; k < probes; k++) {
          socket.send(`LSL:timedata\r\n${waveId} ${clock()}\r\n`, info.v4servicePort, address())
          await new Promise((r) => setTimeout(r, intervalMs))
        }
        await new Promise((r) => setTimeout(r, maxRttMs))
      } finally {
        socket.close()
      }
      if (estimates.length === 0) throw new LslInletError('TIMEOUT', `no time probe answered by ${info.name}`)
      // As in NTP, the probe with the shortest round trip bounds the error best.
      return estimates.reduce((best, e) => (e.rttSeconds < best.rttSeconds ? e : best))
    }
  }
}
