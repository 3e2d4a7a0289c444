/**
 * Headset parsers and acquisition latency.
 *
 * 1. Parse throughput, samples/s, of each pure parser on a large in-memory stream fed in 4 KiB
 *    chunks (a serial read is rarely larger), plus Cyton parse + timeline (sequence, gaps, stamps).
 *    Baseline, same run: a bare loop decoding the same Cyton bytes at known offsets (no sync search,
 *    no checks), i.e. the cost no parser can avoid. Target: Cyton ≥ 1,000,000 samples/s.
 * 2. End-to-end latency over a socat pty through the real serialport bindings: packet written on the
 *    device end → samples emitted by the Cyton driver (median, p99). Baseline, same run: written →
 *    raw 'data' event on a bare SerialPort on the host end.
 *
 *   npm run bench -- parsers        (or: npx tsx bench/parsers.bench.ts)
 */
import { SerialPort } from 'serialport'
import { systemClock } from '../src/station/clock'
import { createCytonDriver } from '../src/station/devices/cyton/cyton.driver'
import { CYTON_PACKET_BYTES, createCytonParser, cytonScaleUv, decodeCyton, encodeCytonPacket } from '../src/station/devices/cyton/cyton.parser'
import { openPtyPair } from '../src/station/devices/emulators/pty-pair'
import { createLinesParser, decodeLines } from '../src/station/devices/lines/lines.parser'
import { createThinkGearParser, decodeThinkGear, encodeThinkGearMetrics, encodeThinkGearRaw } from '../src/station/devices/thinkgear/thinkgear.parser'
import { createStreamTimeline } from '../src/station/devices/timing/stream-timeline'

const CHUNK_BYTES = 4096
const ROUNDS = 5

function chunks(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let o = 0; o < bytes.length; o += CHUNK_BYTES) out.push(bytes.subarray(o, o + CHUNK_BYTES))
  return out
}

/** Best of ROUNDS, in samples per second. */
function rate(samples: number, run: () => number): number {
  let best = 0
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now()
    const n = run()
    const s = (performance.now() - t) / 1000
    if (n !== samples) throw new Error(`decoded ${n} samples, expected ${samples}`)
    best = Math.max(best, n / s)
  }
  return best
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US')

// --- 1. throughput ---------------------------------------------------------------------------
const CYTON_PACKETS = 400_000
const cytonBytes = new Uint8Array(CYTON_PACKETS * CYTON_PACKET_BYTES)
const counts = new Float64Array(8)
for (let k = 0; k < CYTON_PACKETS; k++) {
  for (let c = 0; c < 8; c++) counts[c] = ((k * 7919 + c * 104_729) % 16_000_000) - 8_000_000
  encodeCytonPacket({ counter: k & 0xff, counts }, cytonBytes, k * CYTON_PACKET_BYTES)
}
const cytonChunks = chunks(cytonBytes)

/** The unavoidable work: packets at known offsets of one whole buffer, no sync search, no checks. */
function bareDecode(bytes: Uint8Array, packets: number, out: Float32Array, scale: number): number {
  for (let k = 0; k < packets; k++) {
    const i = k * CYTON_PACKET_BYTES
    for (let c = 0; c < 8; c++) {
      const o = i + 2 + c * 3
      let v = (bytes[o] << 16) | (bytes[o + 1] << 8) | bytes[o + 2]
      if (v & 0x800000) v -= 0x1000000
      out[k * 8 + c] = v * scale
    }
  }
  return packets
}
const bareOut = new Float32Array(CYTON_PACKETS * 8)
bareDecode(cytonBytes, 1000, bareOut, cytonScaleUv(24))
const baseline = rate(CYTON_PACKETS, () => bareDecode(cytonBytes, CYTON_PACKETS, bareOut, cytonScaleUv(24)))

const cyton = rate(CYTON_PACKETS, () => {
  const state = createCytonParser()
  let n = 0
  for (const chunk of cytonChunks) n += decodeCyton(state, chunk).count
  return n
})

const cytonTimeline = rate(CYTON_PACKETS, () => {
  const state = createCytonParser()
  const timeline = createStreamTimeline({ sampleRateHz: 250, counterModulus: 256 })
  let n = 0
  let t = 0
  for (const chunk of cytonChunks) {
    const batch = decodeCyton(state, chunk)
    t += batch.count * 4
    for (const s of timeline.ingest(batch, t).segments) n += s.count
  }
  return n
})

const daisy = rate(CYTON_PACKETS / 2, () => {
  const state = createCytonParser({ daisy: true })
  let n = 0
  for (const chunk of cytonChunks) n += decodeCyton(state, chunk).count
  return n
})

const TG_SAMPLES = 512 * 600
const tgParts: Uint8Array[] = []
for (let k = 0; k < TG_SAMPLES; k++) {
  tgParts.push(encodeThinkGearRaw(((k * 37) % 4096) - 2048))
  if (k % 512 === 511) tgParts.push(encodeThinkGearMetrics(0, 50, 50, [1, 2, 3, 4, 5, 6, 7, 8]))
}
const tgBytes = new Uint8Array(tgParts.reduce((n, p) => n + p.length, 0))
tgParts.reduce((o, p) => (tgBytes.set(p, o), o + p.length), 0)
const tgChunks = chunks(tgBytes)
const thinkgear = rate(TG_SAMPLES, () => {
  const state = createThinkGearParser()
  let n = 0
  for (const chunk of tgChunks) n += decodeThinkGear(state, chunk).count
  return n
})

const LINE_SAMPLES = 200_000
const lineBatches: string[][] = []
for (let k = 0; k < LINE_SAMPLES; k += 64) {
  const batch: string[] = []
  for (let j = k; j < Math.min(LINE_SAMPLES, k + 64); j++) batch.push(`${j % 256},${(j % 1000) / 10},${-(j % 777) / 10},${(j % 333) / 10},${(j % 91) / 10}\r`)
  lineBatches.push(batch)
}
const lines = rate(LINE_SAMPLES, () => {
  const state = createLinesParser()
  decodeLines(state, ['n,Fp1,Fp2,C3,C4'])
  let n = 0
  for (const batch of lineBatches) n += decodeLines(state, batch).count
  return n
})

console.log('parse throughput (best of 5, 4 KiB chunks):')
console.log(`  baseline: bare Cyton decode loop    ${fmt(baseline).padStart(12)} samples/s`)
console.log(`  Cyton (8 ch)                        ${fmt(cyton).padStart(12)} samples/s  (${(cyton / baseline).toFixed(2)}× baseline, ${fmt(cyton / 250)}× real time; target ≥ 1,000,000: ${cyton >= 1_000_000 ? 'met' : 'NOT met'})`)
console.log(`  Cyton + timeline (seq, gaps, stamps) ${fmt(cytonTimeline).padStart(11)} samples/s  (${(cytonTimeline / baseline).toFixed(2)}× baseline)`)
console.log(`  Cyton + Daisy (16-ch rows)          ${fmt(daisy).padStart(12)} rows/s     (${fmt(daisy / 125)}× real time)`)
console.log(`  ThinkGear raw wave                  ${fmt(thinkgear).padStart(12)} samples/s  (${fmt(thinkgear / 512)}× real time)`)
console.log(`  line protocol CSV (4 ch + counter)  ${fmt(lines).padStart(12)} samples/s  (${fmt(lines / 250)}× real time at 250 Hz)`)

// --- 2. end-to-end latency over a pty ----------------------------------------------------------
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

async function writePackets(device: SerialPort, count: number, writtenAt: Float64Array): Promise<void> {
  const packet = new Uint8Array(CYTON_PACKET_BYTES)
  for (let k = 0; k < count; k++) {
    encodeCytonPacket({ counter: k & 0xff, counts: [k, 0, 0, 0, 0, 0, 0, 0] }, packet)
    writtenAt[k] = performance.now()
    device.write(Buffer.from(packet))
    await new Promise((r) => setTimeout(r, 4))
  }
}

async function latency(): Promise<void> {
  const COUNT = 1000
  const pair = await openPtyPair()
  const device = new SerialPort({ path: pair.devicePath, baudRate: 115_200 })
  await new Promise((r) => device.once('open', r))

  // Baseline: bytes written → 'data' on a bare port.
  const raw = new SerialPort({ path: pair.hostPath, baudRate: 115_200 })
  await new Promise((r) => raw.once('open', r))
  const rawWritten = new Float64Array(COUNT)
  const rawLatency: number[] = []
  let received = 0
  raw.on('data', (d: Buffer) => {
    const now = performance.now()
    for (let b = 0; b < d.length; b++, received++) if (received % CYTON_PACKET_BYTES === CYTON_PACKET_BYTES - 1) rawLatency.push(now - rawWritten[Math.floor(received / CYTON_PACKET_BYTES)])
  })
  await writePackets(device, COUNT, rawWritten)
  await new Promise((r) => setTimeout(r, 100))
  await new Promise((r) => raw.close(r))

  // Driver: bytes written → samples emitted (parse, timeline, block).
  const driver = createCytonDriver({ path: pair.hostPath, clock: systemClock })
  const written = new Float64Array(COUNT)
  const driverLatency: number[] = []
  driver.on('samples', (block) => {
    const now = performance.now()
    for (let k = 0; k < block.timestampsMs.length; k++) {
      // Channel 1 carries the packet index (counts = k), so the sample names its own write time.
      const index = Math.round(block.samplesUv[k * block.channelCount] / cytonScaleUv(24))
      driverLatency.push(now - written[index])
    }
  })
  await driver.connect()
  await writePackets(device, COUNT, written)
  await new Promise((r) => setTimeout(r, 100))
  await driver.disconnect()
  await new Promise((r) => device.close(r))
  await pair.close()

  rawLatency.sort((a, b) => a - b)
  driverLatency.sort((a, b) => a - b)
  console.log(`end-to-end latency over a socat pty (${COUNT} Cyton packets, one every ~4 ms):`)
  console.log(`  baseline: written → raw 'data' event  median ${percentile(rawLatency, 0.5).toFixed(2)} ms, p99 ${percentile(rawLatency, 0.99).toFixed(2)} ms (n=${rawLatency.length})`)
  console.log(`  written → driver 'samples'            median ${percentile(driverLatency, 0.5).toFixed(2)} ms, p99 ${percentile(driverLatency, 0.99).toFixed(2)} ms (n=${driverLatency.length})`)
  const overheadMs = percentile(driverLatency, 0.5) - percentile(rawLatency, 0.5)
  console.log(`  driver overhead vs baseline: median ${overheadMs >= 0 ? '+' : ''}${overheadMs.toFixed(2)} ms (the two runs are sequential, so load changes can make it negative)`)
}

await latency()
