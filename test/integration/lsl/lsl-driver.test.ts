/**
 * `--device lsl:<predicate>`: an LSL outlet (here Vigil's own, standing in for an amplifier app)
 * recorded as a headset: channel names and units from desc, timestamps onto the station clock,
 * gaps from timestamps, recovery after the outlet restarts, and a session that records it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { channelsDesc, createElement, createLslOutlet, defaultLslNetworkConfig, lslLocalClock, type LslNetworkConfig, type LslOutlet } from '../../../src/station/lsl/protocol'
import { createDriftFit, createLslDriver, microvoltsPer } from '../../../src/station/lsl/lsl.driver'
import { systemClock } from '../../../src/station/clock'
import type { DeviceEvent, SampleBlock } from '../../../src/station/devices/types'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { parseEdf } from '../../helpers/edf-reader'
import { startTestStation } from '../../helpers/station'
import { waitUntil } from '../../helpers/wait'

let block = 0
function network(): LslNetworkConfig {
  const base = 30000 + ((process.pid * 11 + block++ * 10) % 9000)
  return defaultLslNetworkConfig({ multicastPort: base, basePort: base + 1, portRange: 8, resolveScope: 'machine', listenAddress: '127.0.0.1' })
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c()
})

const AMP = {
  name: 'LiveAmp',
  type: 'EEG',
  channelCount: 3,
  channelFormat: 'float32' as const,
  nominalSrateHz: 500,
  sourceId: 'LiveAmp-054201',
  desc: createElement('desc', '', [
    channelsDesc([
      { label: 'Fz', unit: 'microvolts' },
      { label: 'Cz', unit: 'millivolts' },
      { label: 'Pz', unit: 'volts' }
    ])
  ])
}

async function amp(net: LslNetworkConfig): Promise<LslOutlet> {
  const outlet = createLslOutlet(AMP, { network: net })
  await outlet.start()
  cleanups.push(() => outlet.stop())
  return outlet
}

describe('an LSL stream as the headset', () => {
  it('knows units and rejects a bad predicate at once', () => {
    expect([microvoltsPer('uV'), microvoltsPer('millivolts'), microvoltsPer('V'), microvoltsPer(''), microvoltsPer('furlongs')]).toEqual([1, 1000, 1e6, 1, null])
    expect(() => createLslDriver({ predicate: "type='EEG' and", network: network(), clock: systemClock })).toThrow(/ends too early/)
  })

  it('follows a drifting clock offset with the fit', () => {
    const fit = createDriftFit()
    for (let k = 0; k < 10; k++) fit.add({ correctionSeconds: -100 + k * 1e-4, rttSeconds: 0.001, measuredAt: 0, remoteAt: 1000 + k * 5 })
    expect(fit.correctionAt(1000 + 100)).toBeCloseTo(-100 + 20 * 1e-4, 9)
  })

  it('records samples in µV with channel names, detects a gap, and recovers a restarted outlet', async () => {
    const net = network()
    const first = await amp(net)
    const driver = createLslDriver({ predicate: "type='EEG' and name='LiveAmp'", network: net, clock: systemClock, resolveTimeoutMs: 5000 })
    cleanups.push(() => driver.disconnect())
    const blocks: SampleBlock[] = []
    const events: DeviceEvent[] = []
    driver.on('samples', (b) => blocks.push(b))
    driver.on('event', (e) => events.push(e))
    await driver.connect()
    expect(driver.state).toBe('streaming')
    expect(driver.descriptor).toMatchObject({ kind: 'lsl', channelNames: ['Fz', 'Cz', 'Pz'], sampleRateHz: 500 })
    await waitUntil(() => first.consumerCount === 1)
    const t0 = lslLocalClock()
    // 10 samples, then 50 lost (100 ms, beyond push jitter), then 10 more.
    const push = (o: LslOutlet, from: number, to: number): void => {
      for (let i = from; i < to; i++) o.pushSample([i, i / 1000, i / 1e6], t0 + i / 500)
    }
    push(first, 0, 10)
    push(first, 60, 70)
    await waitUntil(() => driver.stats().samplesReceived >= 20)
    const seqs = blocks.flatMap((b) => Array.from(b.timestampsMs, (_, i) => b.firstSeq + i))
    expect(seqs).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 60 + i)])
    const values = blocks.flatMap((b) => Array.from(b.samplesUv))
    expect(values.slice(0, 6)).toEqual([0, 0, 0, 1, 1, 1].map((v, k) => Math.fround(k < 3 ? 0 : v)))
    expect(values.at(-3)).toBeCloseTo(69, 3)
    expect(values.at(-1)).toBeCloseTo(69, 3)
    expect(driver.stats()).toMatchObject({ gaps: 1, samplesDropped: 50 })
    expect(events.find((e) => e.kind === 'gap')?.data).toMatchObject({ afterSeq: 9, size: 50, durationMs: 100 })
    // Timestamps: 2 ms apart, and "now" on the LSL clock is "now" on the station's wall clock.
    const stamps = blocks.flatMap((b) => Array.from(b.timestampsMs))
    expect(stamps[1]! - stamps[0]!).toBeCloseTo(2, 2)
    expect(Math.abs(stamps[0]! - (Date.now() - (lslLocalClock() - t0) * 1000))).toBeLessThan(50)

    // The amplifier app restarts: same source_id, new uid; the session goes on with a gap.
    await first.stop()
    await waitUntil(() => driver.state === 'reconnecting')
    const second = await amp(net)
    await waitUntil(() => driver.state === 'streaming' && second.consumerCount === 1, { what: 'recovered' })
    push(second, 100, 110)
    await waitUntil(() => driver.stats().samplesReceived >= 30)
    expect(driver.stats()).toMatchObject({ reconnects: 1, gaps: 2, samplesDropped: 50 + 30 })
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['connected', 'gap', 'reconnecting', 'reconnected']))
  })

  it('does not take push-time jitter for lost samples', async () => {
    const net = network()
    const outlet = await amp(net)
    const driver = createLslDriver({ predicate: "name='LiveAmp'", network: net, clock: systemClock, resolveTimeoutMs: 5000 })
    cleanups.push(() => driver.disconnect())
    const blocks: SampleBlock[] = []
    driver.on('samples', (b) => blocks.push(b))
    await driver.connect()
    await waitUntil(() => outlet.consumerCount === 1)
    const t0 = lslLocalClock()
    // Chunks of 10 stamped at "push time", late or early by up to 15 ms (a loaded machine).
    let seed = 7
    const jitter = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.03
    for (let c = 0; c < 100; c++) {
      outlet.pushChunk(Array.from({ length: 10 }, (_, i) => [c * 10 + i, 0, 0]), t0 + (c * 10 + 9) / 500 + jitter())
    }
    await waitUntil(() => driver.stats().samplesReceived >= 1000)
    expect(driver.stats()).toMatchObject({ gaps: 0, samplesDropped: 0 })
    expect(blocks.flatMap((b) => Array.from(b.timestampsMs, (_, i) => b.firstSeq + i))).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  })

  it('a station started with --device lsl:... records the stream into a session', async () => {
    const net = network()
    const outlet = await amp(net)
    const { multicastPort, basePort, portRange, resolveScope, listenAddress } = net
    const t = await startTestStation({ device: { kind: 'lsl', path: "name='LiveAmp'" }, lsl: { multicastPort, basePort, portRange, resolveScope, listenAddress } })
    cleanups.push(async () => {
      forgetStation(t.baseUrl)
      await t.close()
    })
    expect(t.station.ctx.devices.status()).toMatchObject({ state: 'streaming', descriptor: { kind: 'lsl', channelNames: ['Fz', 'Cz', 'Pz'] } })
    const admin = await registerAndLogin(t, { role: 'admin' })
    const inject = (method: 'POST' | 'PATCH', url: string, payload: object) => t.station.server.inject({ method, url: `/api/v1${url}`, headers: authHeader(admin.accessToken), payload })
    const created = JSON.parse((await inject('POST', '/sessions', { name: 'lsl amp', participant_code: 'P09' })).body) as { id: string }
    expect((await inject('PATCH', `/sessions/${created.id}`, { status: 'recording' })).statusCode).toBe(200)
    await waitUntil(() => outlet.consumerCount === 1)
    const t0 = lslLocalClock()
    for (let i = 0; i < 250; i++) outlet.pushSample([i, 0, 0], t0 + i / 500)
    const count = (): number => (t.station.ctx.db.prepare('SELECT COUNT(*) AS n FROM eeg_samples WHERE session_id = ?').get(created.id) as { n: number }).n
    await waitUntil(() => count() === 250, { what: 'all 250 EEG rows stored' })
    expect((await inject('PATCH', `/sessions/${created.id}`, { status: 'completed' })).statusCode).toBe(200)
    // BDF+ export carries the stream's channel labels and µV values.
    const res = await t.fetch(`${t.baseUrl}/api/v1/sessions/${created.id}/export?format=bdf`, { headers: authHeader(admin.accessToken) })
    expect(res.status).toBe(200)
    const bdf = parseEdf(Buffer.from(await res.arrayBuffer()))
    expect(bdf.header.signals.slice(0, 3).every((sig, k) => sig.label.includes(['Fz', 'Cz', 'Pz'][k]!))).toBe(true)
    expect(bdf.header.signals[0]!.physicalDimension).toBe('uV')
  })
})
