/**
 * An LSL outlet: a TCP data server (stream-feed handshake, fullinfo, shortinfo), a UDP service
 * socket on a port of the base range (time probes and unicast shortinfo queries, which is how
 * KnownPeers resolvers find it), and a share of the process-wide discovery responder on the
 * multicast port. Facts from liblsl (tcp_server.cpp, udp_server.cpp); no code of it.
 */
import { randomUUID } from 'node:crypto'
import dgram from 'node:dgram'
import net from 'node:net'
import { compileQuery } from './query'
import { encodeSample, testPatternSample, type SampleValues } from './sample-codec'
import { formatG16, lslLocalClock, type LslClock, type LslNetworkConfig } from './lsl-network'
import { createStreamInfo, LSL_PROTOCOL_VERSION, VALUE_BYTES, toInfoElement, toFullinfoXml, toShortinfoXml, type StreamInfo } from './stream-info'
import { acquireResponder, type DiscoveryResponder } from './discovery-responder'

export interface LslOutletOptions {
  network: LslNetworkConfig
  clock?: LslClock
  /** Samples kept per consumer before the oldest are dropped (liblsl default: 360 s of data). */
  maxBufferSeconds?: number
  log?: (message: string) => void
}

export type OutletInfoFields = Partial<StreamInfo> & Pick<StreamInfo, 'name' | 'channelCount' | 'channelFormat'>

interface Consumer {
  socket: net.Socket
  littleEndian: boolean
  maxBufferedBytes: number
  droppedSamples: number
}

export interface LslOutlet {
  readonly info: StreamInfo
  start(): Promise<void>
  stop(): Promise<void>
  /** Sends one sample; `timestamp` in LSL clock seconds, defaults to now. */
  pushSample(values: SampleValues, timestamp?: number): void
  /** Sends samples with the last one stamped `lastTimestamp`; the rest are deduced from the nominal rate. */
  pushChunk(samples: SampleValues[], lastTimestamp?: number): void
  readonly consumerCount: number
  readonly droppedSamples: number
  readonly isStarted: boolean
  matchesQuery(query: string): boolean
  shortinfo(): string
  answerUdp(message: string, remote: dgram.RemoteInfo, reply: (data: string, port: number, address: string) => void): void
}

export class LslOutletError extends Error {}

export function createLslOutlet(fields: OutletInfoFields, options: LslOutletOptions): LslOutlet {
  const clock = options.clock ?? lslLocalClock
  const log = options.log ?? (() => {})
  const info = createStreamInfo({
    version: LSL_PROTOCOL_VERSION,
    sessionId: options.network.sessionId,
    hostname: options.network.hostname,
    ...fields,
    uid: randomUUID(),
    createdAt: clock()
  })
  const consumers = new Set<Consumer>()
  let server: net.Server | null = null
  let udp: dgram.Socket | null = null
  let responder: DiscoveryResponder | null = null
  let shortinfoMsg = ''
  let fullinfoMsg = ''
  let dropped = 0
  const queryCache = new Map<string, boolean>()

  const matchesQuery = (query: string): boolean => {
    const cached = queryCache.get(query)
    if (cached !== undefined) return cached
    let matched: boolean
    try {
      matched = compileQuery(query).matches(toInfoElement(info))
    } catch (error) {
      log(`LSL query "${query}" error: ${(error as Error).message}`)
      matched = false
    }
    if (queryCache.size > 1000) queryCache.clear()
    queryCache.set(query, matched)
    return matched
  }

  const answerUdp: LslOutlet['answerUdp'] = (message, remote, reply) => {
    const t1 = clock()
    const lines = message.split('\n').map((l) => l.trim())
    const method = lines[0]
    if (method === 'LSL:shortinfo') {
      const query = lines[1] ?? ''
      const [portText, queryId] = (lines[2] ?? '').split(/\s+/)
      const returnPort = Number(portText)
      if (!Number.isInteger(returnPort) || returnPort <= 0 || returnPort > 65535 || !queryId) return
      if (matchesQuery(query)) reply(`${queryId}\r\n${shortinfoMsg}`, returnPort, remote.address)
    } else if (method === 'LSL:timedata') {
      const [waveId, t0] = (lines[1] ?? '').split(/\s+/)
      if (waveId === undefined || t0 === undefined || !/^-?\d+$/.test(waveId)) return
      // t1: when the probe arrived, t2: when the reply leaves; the prober derives offset and RTT.
      reply(` ${Number(waveId)} ${formatG16(Number(t0))} ${formatG16(t1)} ${formatG16(clock())}`, remote.port, remote.address)
    }
  }

  const bindTcp = async (): Promise<number> => {
    const { basePort, portRange, allowRandomPorts, listenAddress } = options.network
    const tryPort = (port: number): Promise<net.Server | null> =>
      new Promise((resolve) => {
        const s = net.createServer({ noDelay: true })
        s.once('error', () => resolve(null))
        s.listen({ port, host: listenAddress, exclusive: true }, () => resolve(s))
      })
    for (let p = basePort; p < basePort + portRange; p++) {
      const s = await tryPort(p)
      if (s) {
        server = s
        return p
      }
    }
    if (!allowRandomPorts) throw new LslOutletError(`no free TCP port in ${basePort}..${basePort + portRange - 1}`)
    const s = await tryPort(0)
    if (!s) throw new LslOutletError('could not bind a TCP port')
    server = s
    return (s.address() as net.AddressInfo).port
  }

  const bindUdp = async (preferred: number): Promise<number> => {
    const { basePort, portRange, allowRandomPorts, listenAddress } = options.network
    const tryPort = (port: number): Promise<dgram.Socket | null> =>
      new Promise((resolve) => {
        const s = dgram.createSocket({ type: 'udp4' })
        s.once('error', () => {
          s.close()
          resolve(null)
        })
        s.bind({ port, address: listenAddress, exclusive: true }, () => resolve(s))
      })
    const candidates = [preferred, ...Array.from({ length: portRange }, (_, k) => basePort + k).filter((p) => p !== preferred)]
    for (const p of candidates) {
      const s = await tryPort(p)
      if (s) {
        udp = s
        return p
      }
    }
    if (!allowRandomPorts) throw new LslOutletError(`no free UDP port in ${basePort}..${basePort + portRange - 1}`)
    const s = await tryPort(0)
    if (!s) throw new LslOutletError('could not bind a UDP port')
    udp = s
    return s.address().port
  }

  const handleConnection = (socket: net.Socket): void => {
    socket.setNoDelay(true)
    let buffered = Buffer.alloc(0)
    let stage: 'method' | 'query' | 'feed110' | 'done' = 'method'
    let requestedVersion = 0
    let requestedUid = ''
    socket.on('error', () => socket.destroy())
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length > 64 * 1024) {
        log('LSL request too long; closing the connection')
        socket.destroy()
        return
      }
      for (;;) {
        if (stage === 'method') {
          const eol = buffered.indexOf('\n')
          if (eol < 0) return
          const method = buffered.toString('latin1', 0, eol).trim()
          buffered = buffered.subarray(eol + 1)
          if (method === 'LSL:shortinfo') stage = 'query'
          else if (method === 'LSL:fullinfo') {
            stage = 'done'
            socket.end(fullinfoMsg)
            return
          } else if (method.startsWith('LSL:streamfeed/')) {
            const [versionPart, uid] = method.split(/\s+/)
            requestedVersion = Number.parseInt(versionPart!.slice('LSL:streamfeed/'.length), 10)
            requestedUid = uid ?? ''
            stage = 'feed110'
          } else {
            // Includes the protocol-1.00 "LSL:streamfeed" (boost portable archive), which no
            // liblsl >= 1.10 peer sends unless configured to; see docs/lsl.md.
            log(`LSL: unsupported request '${method.slice(0, 40)}'`)
            stage = 'done'
            socket.destroy()
            return
          }
        } else if (stage === 'query') {
          const eol = buffered.indexOf('\n')
          if (eol < 0) return
          const query = buffered.toString('utf8', 0, eol).trim()
          stage = 'done'
          if (matchesQuery(query)) socket.end(shortinfoMsg)
          else socket.end()
          return
        } else if (stage === 'feed110') {
          // The header block ends at an empty line, which may directly follow the request line.
          const end = buffered.subarray(0, 2).toString('latin1') === '\r\n' ? 0 : buffered.indexOf('\r\n\r\n')
          if (end < 0) return
          const headerText = buffered.toString('latin1', 0, end)
          stage = 'done'
          socket.off('data', onData)
          startFeed(socket, requestedVersion, requestedUid, headerText)
          return
        } else return
      }
    }
    socket.on('data', onData)
  }

  const startFeed = (socket: net.Socket, version: number, uid: string, headerText: string): void => {
    if (Math.floor(version / 100) > Math.floor(LSL_PROTOCOL_VERSION / 100)) {
      socket.end(`LSL/${LSL_PROTOCOL_VERSION} 505 Version not supported\r\n`)
      return
    }
    if (uid !== '' && uid !== info.uid) {
      socket.end(`LSL/${LSL_PROTOCOL_VERSION} 404 Not found\r\n`)
      return
    }
    const headers = new Map<string, string>()
    for (const raw of headerText.split('\n')) {
      const line = raw.replace(/;.*$/, '').toLowerCase()
      const colon = line.indexOf(':')
      if (colon > 0) headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
    }
    const clientByteOrder = Number(headers.get('native-byte-order') ?? 1234)
    const valueSize = Number(headers.get('value-size') ?? 0)
    const ieee = (headers.get('has-ieee754-floats') ?? '1') === '1'
    const maxBuffered = Number(headers.get('max-buffer-length') ?? 360 * Math.max(1, info.nominalSrateHz))
    if ((info.channelFormat !== 'string' && valueSize !== 0 && valueSize !== VALUE_BYTES[info.channelFormat]) || !ieee) {
      // liblsl would fall back to protocol 1.00 here; we only speak 1.10 and say so.
      log(`LSL: consumer needs protocol 1.00 (value size ${valueSize}, IEEE754 ${ieee}); refusing`)
      socket.end(`LSL/${LSL_PROTOCOL_VERSION} 505 Version not supported\r\n`)
      return
    }
    // Converting for a big-endian peer costs us little; liblsl does the same when it is faster.
    const littleEndian = clientByteOrder !== 4321
    const header =
      `LSL/${LSL_PROTOCOL_VERSION} 200 OK\r\n` +
      `UID: ${info.uid}\r\n` +
      `Byte-Order: ${littleEndian ? 1234 : 4321}\r\n` +
      `Suppress-Subnormals: 0\r\n` +
      `Data-Protocol-Version: ${Math.min(LSL_PROTOCOL_VERSION, version)}\r\n\r\n`
    const patterns = [4, 2].map((offset) =>
      encodeSample(info.channelFormat, info.channelCount, testPatternSample(info.channelFormat, info.channelCount, offset), littleEndian)
    )
    socket.write(Buffer.concat([Buffer.from(header, 'latin1'), ...patterns]))
    // A consumer asking for no buffer only wanted the header (liblsl unit tests do this).
    if (!(maxBuffered > 0)) {
      socket.end()
      return
    }
    const sampleBytes = Math.max(16, patterns[0]!.length)
    const consumer: Consumer = { socket, littleEndian, maxBufferedBytes: maxBuffered * sampleBytes, droppedSamples: 0 }
    consumers.add(consumer)
    const remove = (): void => {
      consumers.delete(consumer)
    }
    socket.on('close', remove)
    socket.on('error', remove)
    // Inlets never send after the handshake; reading keeps the socket's close detectable.
    socket.resume()
  }

  const send = (samples: { timestamp: number | null; values: SampleValues }[]): void => {
    if (consumers.size === 0) return
    const encodings = new Map<boolean, Buffer>()
    for (const consumer of consumers) {
      let payload = encodings.get(consumer.littleEndian)
      if (!payload) {
        payload = Buffer.concat(samples.map((s) => encodeSample(info.channelFormat, info.channelCount, s, consumer.littleEndian)))
        encodings.set(consumer.littleEndian, payload)
      }
      if (consumer.socket.writableLength > consumer.maxBufferedBytes) {
        // The consumer is not reading: drop the newest rather than grow without bound.
        consumer.droppedSamples += samples.length
        dropped += samples.length
        continue
      }
      consumer.socket.write(payload)
    }
  }

  return {
    info,
    get consumerCount() {
      return consumers.size
    },
    get droppedSamples() {
      return dropped
    },
    get isStarted() {
      return server !== null
    },
    matchesQuery,
    shortinfo: () => shortinfoMsg,
    answerUdp,
    async start() {
      if (server) return
      const dataPort = await bindTcp()
      const servicePort = await bindUdp(dataPort)
      info.v4dataPort = dataPort
      info.v4servicePort = servicePort
      shortinfoMsg = toShortinfoXml(info)
      fullinfoMsg = toFullinfoXml(info)
      server!.on('connection', handleConnection)
      udp!.on('message', (msg, remote) =>
        answerUdp(msg.toString('utf8'), remote, (data, port, address) => udp?.send(data, port, address))
      )
      responder = await acquireResponder(options.network, log)
      responder.add(this)
    },
    async stop() {
      responder?.remove(this)
      responder = null
      for (const c of consumers) c.socket.destroy()
      consumers.clear()
      const s = server
      const u = udp
      server = null
      udp = null
      if (u) await new Promise<void>((resolve) => u.close(() => resolve()))
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    pushSample(values, timestamp) {
      send([{ timestamp: timestamp ?? clock(), values }])
    },
    pushChunk(samples, lastTimestamp) {
      if (samples.length === 0) return
      const last = lastTimestamp ?? clock()
      const srate = info.nominalSrateHz
      if (srate > 0) {
        const first = last - (samples.length - 1) / srate
        send(samples.map((values, k) => ({ timestamp: k === 0 ? first : null, values })))
      } else {
        send(samples.map((values) => ({ timestamp: last, values })))
      }
    }
  }
}
