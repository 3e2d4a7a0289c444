/**
 * Vigil outlet -> Vigil inlet over real sockets on loopback: discovery (machine scope and
 * KnownPeers unicast), every channel format, fixture bytes from the outlet side, recovery of a
 * restarted outlet with the same source_id, and time correction against a known clock offset.
 * Each test uses its own port block so runs in parallel do not answer each other.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  CHANNEL_FORMATS,
  channelsDesc,
  createElement,
  createLslOutlet,
  defaultLslNetworkConfig,
  lslLocalClock,
  openLslInlet,
  readChannelsDesc,
  resolveStreams,
  type ChannelFormat,
  type LslInlet,
  type LslNetworkConfig,
  type LslOutlet,
  type ReceivedSample
} from '../../../src/station/lsl/protocol'
import { waitUntil } from '../../helpers/wait'

const FORMATS = CHANNEL_FORMATS.filter((f) => f !== 'undefined') as ChannelFormat[]
let nextBlock = 0

/** A private port block on 127.0.0.1 for one test: multicast port + 8 data ports. */
function network(overrides: Partial<LslNetworkConfig> = {}): LslNetworkConfig {
  const base = 20000 + ((process.pid * 7 + nextBlock++ * 10) % 20000)
  return defaultLslNetworkConfig({
    multicastPort: base,
    basePort: base + 1,
    portRange: 8,
    resolveScope: 'machine',
    listenAddress: '127.0.0.1',
    hostname: 'test-host',
    ...overrides
  })
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c()
})

async function startOutlet(...args: Parameters<typeof createLslOutlet>): Promise<LslOutlet> {
  const outlet = createLslOutlet(...args)
  await outlet.start()
  cleanups.push(() => outlet.stop())
  return outlet
}

function openInlet(...args: Parameters<typeof openLslInlet>): LslInlet {
  const inlet = openLslInlet(...args)
  cleanups.push(() => inlet.close())
  return inlet
}

function valuesFor(format: ChannelFormat, i: number, channels: number): number[] | string[] {
  if (format === 'string') return Array.from({ length: channels }, (_, k) => `m${i}-${k}` + (k === 1 ? 'é'.repeat(200) : ''))
  return Array.from({ length: channels }, (_, k) => (format === 'float32' || format === 'double64' ? i * 10 + k + 0.5 : i * 10 + k) * (k % 2 ? -1 : 1))
}

describe('LSL on loopback', () => {
  it('resolves an outlet by predicate in machine scope and reads its channel metadata', async () => {
    const net1 = network()
    await startOutlet(
      {
        name: 'Vigil EEG',
        type: 'EEG',
        channelCount: 2,
        channelFormat: 'float32',
        nominalSrateHz: 250,
        sourceId: 'station-1/cyton',
        desc: createElement('desc', '', [channelsDesc([{ label: 'Fp1', type: 'EEG', unit: 'microvolts' }, { label: 'Fp2', type: 'EEG', unit: 'microvolts' }])])
      },
      { network: net1 }
    )
    await startOutlet({ name: 'Vigil Markers', type: 'Markers', channelCount: 1, channelFormat: 'string' }, { network: net1 })
    const eeg = await resolveStreams({ network: net1, query: "type='EEG' and starts-with(name,'Vigil')", minimum: 1, timeoutMs: 5000 })
    expect(eeg.map((s) => s.name)).toEqual(['Vigil EEG'])
    expect(eeg[0]!.v4address).toBe('127.0.0.1')
    const all = await resolveStreams({ network: net1, minimum: 2, timeoutMs: 5000 })
    expect(all.map((s) => s.name).sort()).toEqual(['Vigil EEG', 'Vigil Markers'])
    const inlet = openInlet(eeg[0]!, { network: net1, onSamples: () => {} })
    await inlet.open()
    expect(readChannelsDesc(inlet.info)).toEqual([
      { label: 'Fp1', type: 'EEG', unit: 'microvolts' },
      { label: 'Fp2', type: 'EEG', unit: 'microvolts' }
    ])
  })

  it('finds an outlet through KnownPeers when no query address reaches it', async () => {
    // 127.0.0.2 reaches nothing here (the services listen on 127.0.0.1): only unicast can work.
    const outletNet = network()
    const resolverNet = { ...outletNet, addressesOverride: ['127.0.0.2'] }
    await startOutlet({ name: 'Peer', type: 'EEG', channelCount: 1, channelFormat: 'int16' }, { network: outletNet })
    expect(await resolveStreams({ network: resolverNet, timeoutMs: 300 })).toEqual([])
    const found = await resolveStreams({ network: { ...resolverNet, knownPeers: ['127.0.0.1'] }, minimum: 1, timeoutMs: 5000 })
    expect(found.map((s) => s.name)).toEqual(['Peer'])
  })

  it('sees only streams of its own SessionID, as liblsl peers do', async () => {
    const net1 = network({ sessionId: 'lab-a' })
    await startOutlet({ name: 'A', type: 'EEG', channelCount: 1, channelFormat: 'float32' }, { network: net1 })
    expect(await resolveStreams({ network: { ...net1, sessionId: 'default' }, timeoutMs: 300 })).toEqual([])
    expect((await resolveStreams({ network: net1, query: "type='EEG'", minimum: 1, timeoutMs: 5000 })).map((s) => s.sessionId)).toEqual(['lab-a'])
  })

  it('rejects a malformed predicate instead of finding nothing', async () => {
    await expect(resolveStreams({ network: network(), query: "type='EEG' and" })).rejects.toThrow(/ends too early/)
  })

  it.each(FORMATS)('carries %s samples with their timestamps, pushed singly and as chunks', async (format) => {
    const net1 = network()
    const channels = 3
    const outlet = await startOutlet({ name: `fmt-${format}`, type: 'Test', channelCount: channels, channelFormat: format, nominalSrateHz: 100 }, { network: net1 })
    const [info] = await resolveStreams({ network: net1, minimum: 1, timeoutMs: 5000 })
    const received: ReceivedSample[] = []
    const inlet = openInlet(info!, { network: net1, onSamples: (s) => received.push(...s) })
    await inlet.open()
    await waitUntil(() => outlet.consumerCount === 1)
    for (let i = 0; i < 5; i++) outlet.pushSample(valuesFor(format, i, channels), 500 + i / 100)
    outlet.pushChunk([5, 6, 7].map((i) => valuesFor(format, i, channels)), 500 + 7 / 100)
    await waitUntil(() => received.length >= 8, { what: `8 ${format} samples` })
    expect(received.map((s) => s.values)).toEqual(Array.from({ length: 8 }, (_, i) => valuesFor(format, i, channels)))
    received.forEach((s, i) => expect(s.timestamp).toBeCloseTo(500 + i / 100, 9))
  })

  it('speaks the feed handshake byte for byte as liblsl does for the same request', async () => {
    const fixtures = resolve(import.meta.dirname, '../../fixtures/lsl/float32')
    const liblslReply = readFileSync(resolve(fixtures, 'streamfeed-reply.bin'))
    const liblslRequest = readFileSync(resolve(fixtures, 'streamfeed-request.bin')).toString('latin1')
    const net1 = network()
    const outlet = await startOutlet({ name: 'fixture-float32', type: 'EEG', channelCount: 3, channelFormat: 'float32', nominalSrateHz: 100, sourceId: 'src-float32' }, { network: net1 })
    const liblslUid = /UID: (\S+)/.exec(liblslReply.toString('latin1'))![1]!
    const request = liblslRequest.replace(liblslUid, outlet.info.uid)
    const chunks: Buffer[] = []
    const socket = net.connect(outlet.info.v4dataPort, '127.0.0.1', () => socket.write(request))
    cleanups.push(async () => void socket.destroy())
    socket.on('data', (d) => chunks.push(d))
    await waitUntil(() => outlet.consumerCount === 1)
    for (let i = 0; i < 5; i++) outlet.pushSample(Array.from({ length: 3 }, (_, k) => ((i * 3 + k) % 100) - 50 + 0.25), 1000 + i / 100)
    await waitUntil(() => Buffer.concat(chunks).length >= liblslReply.length)
    const ours = Buffer.concat(chunks)
    expect(ours.toString('latin1').replace(outlet.info.uid, liblslUid)).toBe(liblslReply.toString('latin1'))
  })

  it('answers a liblsl inlet’s own requests (captured from liblsl 1.17.7): discovery, fullinfo, feed, time probe', async () => {
    const dir = resolve(import.meta.dirname, '../../fixtures/lsl/liblsl-inlet')
    const fixture = (name: string): string => readFileSync(resolve(dir, name)).toString('latin1')
    const net1 = network()
    const outlet = await startOutlet({ name: 'VigilTest', type: 'EEG', channelCount: 3, channelFormat: 'float32', nominalSrateHz: 100, sourceId: 'vigil-test' }, { network: net1 })
    // Discovery: liblsl scopes every query to its SessionID; the reply goes to the port it names.
    const dgram = await import('node:dgram')
    const replyTo = dgram.createSocket('udp4')
    await new Promise<void>((r) => replyTo.bind(0, '127.0.0.1', () => r()))
    cleanups.push(async () => void replyTo.close())
    const replies: string[] = []
    replyTo.on('message', (m) => replies.push(m.toString('utf8')))
    const query = fixture('discovery-query.bin').replace(/\r\n\d+ (\d+)\r\n$/, `\r\n${replyTo.address().port} $1\r\n`)
    replyTo.send(query, net1.multicastPort, '127.0.0.1')
    await waitUntil(() => replies.length > 0)
    expect(replies[0]!.startsWith('17571344594231582832\r\n<?xml version="1.0"?>\n<info>\n\t<name>VigilTest</name>')).toBe(true)
    // The feed request, as the inlet wrote it (its Endian-Performance, 360 s buffer), for our uid.
    const liblslUid = /streamfeed\/110 (\S+)/.exec(fixture('streamfeed-request.bin'))![1]!
    const chunks: Buffer[] = []
    const socket = net.connect(outlet.info.v4dataPort, '127.0.0.1', () => socket.write(fixture('streamfeed-request.bin').replace(liblslUid, outlet.info.uid)))
    cleanups.push(async () => void socket.destroy())
    socket.on('data', (d) => chunks.push(d))
    await waitUntil(() => outlet.consumerCount === 1)
    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^LSL\/110 200 OK\r\nUID: \S+\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n/)
    // Its time probe gets the four-number reply its time_receiver parses.
    const probeReplies: string[] = []
    replyTo.removeAllListeners('message')
    replyTo.on('message', (m) => probeReplies.push(m.toString('latin1')))
    replyTo.send(fixture('timedata-request.bin'), outlet.info.v4servicePort, '127.0.0.1')
    await waitUntil(() => probeReplies.length > 0)
    expect(probeReplies[0]).toMatch(/^ 1804289383 6377\.839979087 \d+(\.\d+)? \d+(\.\d+)?$/)
  })

  it('refuses a feed for another uid and a too-new protocol with liblsl’s status lines', async () => {
    const net1 = network()
    const outlet = await startOutlet({ name: 'x', channelCount: 1, channelFormat: 'int8' }, { network: net1 })
    const ask = (request: string): Promise<string> =>
      new Promise((done) => {
        const chunks: Buffer[] = []
        const s = net.connect(outlet.info.v4dataPort, '127.0.0.1', () => s.write(request))
        s.on('data', (d) => chunks.push(d))
        s.on('close', () => done(Buffer.concat(chunks).toString('latin1')))
      })
    expect(await ask('LSL:streamfeed/110 not-the-uid\r\n\r\n')).toBe('LSL/110 404 Not found\r\n')
    expect(await ask(`LSL:streamfeed/210 ${outlet.info.uid}\r\n\r\n`)).toBe('LSL/110 505 Version not supported\r\n')
  })

  it('recovers when the outlet restarts with the same source_id, reporting the gap', async () => {
    const net1 = network()
    const fields = { name: 'Amp', type: 'EEG', channelCount: 2, channelFormat: 'float32' as const, nominalSrateHz: 100, sourceId: 'amp-serial-42' }
    const first = createLslOutlet(fields, { network: net1 })
    await first.start()
    const [info] = await resolveStreams({ network: net1, minimum: 1, timeoutMs: 5000 })
    const received: ReceivedSample[] = []
    const statuses: string[] = []
    const inlet = openInlet(info!, { network: net1, recoverIntervalMs: 200, onSamples: (s) => received.push(...s), onStatus: (s) => statuses.push(s) })
    await inlet.open()
    await waitUntil(() => first.consumerCount === 1)
    first.pushSample([1, 2], 10)
    await waitUntil(() => received.length === 1)
    await first.stop()
    await waitUntil(() => statuses.includes('lost'))
    const second = await startOutlet(fields, { network: net1 })
    expect(second.info.uid).not.toBe(first.info.uid)
    await waitUntil(() => statuses.includes('recovered') && second.consumerCount === 1, { what: 'recovery' })
    second.pushSample([3, 4], 12)
    await waitUntil(() => received.length === 2)
    expect(received.map((s) => [s.timestamp, ...s.values])).toEqual([
      [10, 1, 2],
      [12, 3, 4]
    ])
    expect(inlet.info.uid).toBe(second.info.uid)
    expect(statuses).toEqual(['connected', 'lost', 'recovered'])
  })

  it('measures time correction against an outlet whose clock is 100 s ahead', async () => {
    const net1 = network()
    await startOutlet({ name: 'Ahead', channelCount: 1, channelFormat: 'double64' }, { network: net1, clock: () => lslLocalClock() + 100 })
    const [info] = await resolveStreams({ network: net1, minimum: 1, timeoutMs: 5000 })
    const inlet = openInlet(info!, { network: net1, onSamples: () => {} })
    const tc = await inlet.timeCorrection({ probes: 4, intervalMs: 10 })
    expect(Math.abs(tc.correctionSeconds - -100)).toBeLessThanOrEqual(tc.rttSeconds)
    expect(tc.rttSeconds).toBeLessThan(0.5)
  })
})
