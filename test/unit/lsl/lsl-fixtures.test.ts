/**
 * Byte-level conformance against a real liblsl 1.17.7 outlet, captured once (see docs/lsl.md,
 * "Conformance"): its discovery reply, fullinfo and stream feed for every channel format.
 * The outlet program pushed, for sample i and channel k, ((i*channels+k) % 100) - 50 (+0.25
 * for float formats) stamped 1000 + i/srate; strings were letter k repeated (300 times on
 * channel 1, to exercise the 4-byte length) followed by i, stamped 1000 + i/2.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CHANNEL_FORMATS,
  encodeSample,
  formatLslDouble,
  parseStreamInfo,
  readSample,
  testPatternSample,
  toFullinfoXml,
  toShortinfoXml,
  type ChannelFormat
} from '../../../src/station/lsl/protocol'

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/lsl')
const read = (dir: string, file: string): Buffer => readFileSync(resolve(FIXTURES, dir, file))
const FORMATS = CHANNEL_FORMATS.filter((f) => f !== 'undefined') as ChannelFormat[]

function expectedValues(format: ChannelFormat, i: number, channels: number): (number | string)[] {
  return Array.from({ length: channels }, (_, k) => {
    if (format === 'string') return 'abcdefghijklmnopqrstuvwxyz'[k]!.repeat(k === 1 ? 300 : 1) + String(i)
    const v = ((i * channels + k) % 100) - 50 + (format === 'float32' || format === 'double64' ? 0.25 : 0)
    return v
  })
}

function splitFeed(reply: Buffer): { header: string; body: Buffer } {
  const end = reply.indexOf('\r\n\r\n')
  return { header: reply.toString('latin1', 0, end + 4), body: reply.subarray(end + 4) }
}

describe('stream info XML against liblsl', () => {
  it.each(FORMATS)('the %s shortinfo we write is byte-identical to liblsl’s', (format) => {
    const reply = read(format, 'discovery-reply.bin').toString('utf8')
    expect(reply.startsWith('12345\r\n')).toBe(true)
    const xml = reply.slice('12345\r\n'.length)
    const info = parseStreamInfo(xml)
    expect(info).toMatchObject({ name: `fixture-${format}`, type: 'EEG', channelFormat: format, sourceId: `src-${format}`, version: 110 })
    expect(toShortinfoXml(info)).toBe(xml)
  })

  it('the fullinfo we write is byte-identical, desc and entities included', () => {
    const xml = read('float32', 'fullinfo-reply.bin').toString('utf8')
    const info = parseStreamInfo(xml)
    expect(info.nominalSrateHz).toBe(100)
    expect(info.channelCount).toBe(3)
    expect(toFullinfoXml(info)).toBe(xml)
    expect(xml).toContain('Test &amp; &lt;Co&gt;')
  })

  it('prints doubles as C++ setprecision(16) showpoint does', () => {
    expect(formatLslDouble(100)).toBe('100.0000000000000')
    expect(formatLslDouble(0)).toBe('0.000000000000000')
    expect(formatLslDouble(1.1)).toBe('1.100000000000000')
    expect(formatLslDouble(4998.961261955)).toBe('4998.961261955000')
    expect(formatLslDouble(0.00001)).toBe('1.000000000000000e-05')
    expect(formatLslDouble(1e20)).toBe('1.000000000000000e+20')
  })

  it('rejects a malformed info with the field at fault', () => {
    const xml = read('int8', 'discovery-reply.bin').toString('utf8').slice(7)
    expect(() => parseStreamInfo(xml.replace('<channel_format>int8<', '<channel_format>int12<'))).toThrow(/channel format 'int12'/)
    expect(() => parseStreamInfo(xml.replace(/<uid>[^<]*<\/uid>/, '<uid />'))).toThrow(/UID/)
    expect(() => parseStreamInfo(xml.replace('</info>', ''))).toThrow(/unclosed <info>/)
  })
})

describe('stream feed bytes against liblsl', () => {
  it.each(FORMATS)('decodes liblsl’s %s feed: header, test patterns and samples', (format) => {
    const reply = read(format, 'streamfeed-reply.bin')
    const info = parseStreamInfo(read(format, 'discovery-reply.bin').toString('utf8').slice(7))
    const { header, body } = splitFeed(reply)
    expect(header).toBe(
      `LSL/110 200 OK\r\nUID: ${info.uid}\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n`
    )
    // Our encoding of the two test patterns must equal liblsl's bytes exactly.
    const patterns = Buffer.concat([4, 2].map((o) => encodeSample(format, info.channelCount, testPatternSample(format, info.channelCount, o))))
    expect(body.subarray(0, patterns.length).equals(patterns)).toBe(true)
    let offset = patterns.length
    const samples: { timestamp: number | null; values: unknown[]; end: number }[] = []
    for (;;) {
      const s = readSample(body, offset, format, info.channelCount)
      if (!s) break
      samples.push(s)
      offset = s.end
    }
    expect(offset).toBe(body.length)
    const count = format === 'string' ? 3 : 5
    expect(samples).toHaveLength(count)
    samples.forEach((s, i) => {
      expect(s.timestamp).toBeCloseTo(format === 'string' ? 1000 + i * 0.5 : 1000 + i / 100, 9)
      expect(s.values).toEqual(expectedValues(format, i, info.channelCount))
      // And re-encoding the decoded sample reproduces liblsl's bytes.
      const again = encodeSample(format, info.channelCount, { timestamp: s.timestamp, values: s.values as number[] })
      expect(again.equals(body.subarray(s.end - again.length, s.end))).toBe(true)
    })
  })

  it('a pushed chunk carries one timestamp; the rest are deduced from the rate', () => {
    const reply = read('float32-chunk', 'streamfeed-reply.bin')
    const { body } = splitFeed(reply)
    let offset = encodeSample('float32', 4, testPatternSample('float32', 4, 4)).length * 2
    const stamps: (number | null)[] = []
    for (;;) {
      const s = readSample(body, offset, 'float32', 4)
      if (!s) break
      stamps.push(s.timestamp)
      offset = s.end
    }
    expect(stamps).toEqual([1000, null, null, null, null, null])
  })

  it('answers time probes in liblsl’s reply format', () => {
    const reply = read('float32', 'timedata-reply.bin').toString('latin1')
    expect(reply).toMatch(/^ 7 1234\.5 \d+\.\d+ \d+\.\d+$/)
  })
})
