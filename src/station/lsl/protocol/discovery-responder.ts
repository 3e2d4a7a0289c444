/**
 * The discovery responder: one UDP socket per process on the multicast port (16571), joined to
 * the scope's multicast groups and open to broadcast, answering shortinfo queries for every
 * outlet of this process. liblsl opens one per outlet with SO_REUSEADDR; sharing one here
 * means a unicast query to 127.0.0.1:16571 (machine scope) reaches all of our outlets, which
 * separate sockets on one port would not (the kernel delivers unicast to only one of them).
 */
import dgram from 'node:dgram'
import { isMulticast, multicastTtl, queryAddresses, type LslNetworkConfig } from './lsl-network'

interface Answering {
  answerUdp(message: string, remote: dgram.RemoteInfo, reply: (data: string, port: number, address: string) => void): void
}

export interface DiscoveryResponder {
  add(outlet: Answering): void
  remove(outlet: Answering): void
}

interface Shared {
  socket: dgram.Socket
  outlets: Set<Answering>
}

const shared = new Map<string, Promise<Shared>>()

export async function acquireResponder(config: LslNetworkConfig, log: (message: string) => void): Promise<DiscoveryResponder> {
  const key = `${config.listenAddress}:${config.multicastPort}`
  let entry = shared.get(key)
  if (!entry) {
    entry = openShared(config, log)
    shared.set(key, entry)
    entry.catch(() => shared.delete(key))
  }
  const s = await entry
  return {
    add: (outlet) => s.outlets.add(outlet),
    remove: (outlet) => {
      s.outlets.delete(outlet)
      if (s.outlets.size === 0 && shared.get(key) === entry) {
        shared.delete(key)
        s.socket.close()
      }
    }
  }
}

async function openShared(config: LslNetworkConfig, log: (message: string) => void): Promise<Shared> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  const outlets = new Set<Answering>()
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(config.multicastPort, config.listenAddress, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', (error) => log(`LSL discovery responder: ${error.message}`))
  socket.setBroadcast(true)
  const groups = queryAddresses(config).filter(isMulticast)
  if (groups.length > 0) {
    socket.setMulticastTTL(Math.max(1, multicastTtl(config.resolveScope)))
    for (const group of groups) {
      try {
        socket.addMembership(group)
      } catch (error) {
        // A host without a multicast route still answers broadcast and unicast queries.
        log(`LSL: could not join ${group}: ${(error as Error).message}`)
      }
    }
  }
  socket.on('message', (msg, remote) => {
    const text = msg.toString('utf8')
    for (const outlet of outlets) {
      outlet.answerUdp(text, remote, (data, port, address) => socket.send(data, port, address))
    }
  })
  return { socket, outlets }
}
