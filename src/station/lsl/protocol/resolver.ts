/**
 * Resolving streams: a shortinfo query sent by UDP to the scope's multicast/broadcast
 * addresses on the multicast port and, for KnownPeers, to every port of the base range of each
 * peer (where outlets' service sockets listen). Replies are "<query id>\r\n<shortinfo>"; the
 * sender's address becomes the stream's v4address, as in liblsl's resolve_attempt_udp.
 */
import dgram from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isMulticast, multicastTtl, queryAddresses, type LslNetworkConfig } from './lsl-network'
import { compileQuery } from './query'
import { parseStreamInfo, type StreamInfo } from './stream-info'

export interface ResolveOptions {
  network: LslNetworkConfig
  /** XPath predicate on the stream info; empty resolves all streams. */
  query?: string
  /** Stop early once this many distinct streams answered. */
  minimum?: number
  /** Give up after this long (ms) with what was found. */
  timeoutMs?: number
  /** Re-send the query this often (ms); UDP loses packets. */
  waveIntervalMs?: number
  log?: (message: string) => void
}

export async function resolveStreams(options: ResolveOptions): Promise<StreamInfo[]> {
  const query = (options.query ?? '').trim()
  // Compile locally first: a malformed predicate is the caller's error, not "no streams".
  compileQuery(query)
  const { network } = options
  const timeoutMs = options.timeoutMs ?? 1000
  const minimum = options.minimum ?? Number.POSITIVE_INFINITY
  const socket = dgram.createSocket({ type: 'udp4' })
  const results = new Map<string, StreamInfo>()
  const queryId = String(Math.floor(Math.random() * 2 ** 48))
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', (error) => options.log?.(`LSL resolve: ${error.message}`))
  socket.setBroadcast(true)
  const addresses = queryAddresses(network)
  if (addresses.some(isMulticast)) socket.setMulticastTTL(Math.max(1, multicastTtl(network.resolveScope)))
  const peers: string[] = []
  for (const peer of network.knownPeers) {
    try {
      peers.push((await lookup(peer, { family: 4 })).address)
    } catch {
      options.log?.(`LSL: cannot resolve KnownPeer ${peer}`)
    }
  }
  // As liblsl's resolver does: peers only see streams of their own SessionID.
  const scoped = `session_id='${network.sessionId}'${query ? ` and (${query})` : ''}`
  const message = Buffer.from(`LSL:shortinfo\r\n${scoped}\r\n${socket.address().port} ${queryId}\r\n`, 'utf8')
  const finish: { done?: () => void } = {}
  const finished = new Promise<void>((resolve) => (finish.done = resolve))
  const done = (): void => finish.done?.()
  socket.on('message', (msg, remote) => {
    const text = msg.toString('utf8')
    const eol = text.indexOf('\n')
    if (eol < 0 || text.slice(0, eol).trim() !== queryId) return
    try {
      const info = parseStreamInfo(text.slice(eol + 1))
      if (!results.has(info.uid)) {
        // The first reply is the fastest route to the stream; keep its address.
        results.set(info.uid, { ...info, v4address: remote.address })
        if (results.size >= minimum) done()
      }
    } catch (error) {
      options.log?.(`LSL resolve: ignoring a malformed reply from ${remote.address}: ${(error as Error).message}`)
    }
  })
  const sendWave = (): void => {
    for (const address of addresses) socket.send(message, network.multicastPort, address, () => {})
    for (const peer of peers) {
      for (let p = network.basePort; p < network.basePort + network.portRange; p++) socket.send(message, p, peer, () => {})
    }
  }
  sendWave()
  const wave = setInterval(sendWave, options.waveIntervalMs ?? 250)
  const timer = setTimeout(done, timeoutMs)
  await finished
  clearInterval(wave)
  clearTimeout(timer)
  socket.close()
  return [...results.values()]
}
