/**
 * LSL stream info: the `<info>` document exchanged as "shortinfo" (empty `<desc />`, sent in
 * discovery replies and the protocol-1.00 feed header) and "fullinfo" (with `desc`, sent on
 * `LSL:fullinfo`). Field order and number formatting follow liblsl byte for byte: doubles are
 * printed like C++ `setprecision(16) << showpoint` (1000 Hz -> "1000.000000000000").
 */
import { childOf, childText, createElement, parseXml, serializeDocument, type XmlElement } from './xml'

export const CHANNEL_FORMATS = ['undefined', 'float32', 'double64', 'string', 'int32', 'int16', 'int8', 'int64'] as const
export type ChannelFormat = Exclude<(typeof CHANNEL_FORMATS)[number], 'undefined'>

/** Bytes per value on the wire; strings are length-prefixed instead. */
export const VALUE_BYTES: Record<ChannelFormat, number> = {
  float32: 4,
  double64: 8,
  string: 0,
  int32: 4,
  int16: 2,
  int8: 1,
  int64: 8
}

/** liblsl's data protocol 1.10, written as the integer it negotiates with ("110"). */
export const LSL_PROTOCOL_VERSION = 110
export const IRREGULAR_RATE = 0

export interface StreamInfo {
  name: string
  type: string
  channelCount: number
  channelFormat: ChannelFormat
  sourceId: string
  nominalSrateHz: number
  /** Protocol version of the outlet, e.g. 110. */
  version: number
  /** LSL clock (seconds) at outlet creation. */
  createdAt: number
  uid: string
  sessionId: string
  hostname: string
  v4address: string
  v4dataPort: number
  v4servicePort: number
  v6address: string
  v6dataPort: number
  v6servicePort: number
  /** The `<desc>` element (channel metadata etc.); empty in a shortinfo. */
  desc: XmlElement
}

export class StreamInfoError extends Error {}

/** C++ `std::setprecision(16) << std::showpoint << value` (the `%#.16g` conversion). */
export function formatLslDouble(value: number, precision = 16): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf'
  if (value === 0) return (Object.is(value, -0) ? '-' : '') + (0).toFixed(precision - 1)
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(precision)))))
  if (exponent < -4 || exponent >= precision) {
    const [mantissa, exp] = value.toExponential(precision - 1).split('e') as [string, string]
    const sign = exp.startsWith('-') ? '-' : '+'
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0')
    return `${mantissa}e${sign}${digits}`
  }
  return value.toFixed(Math.max(0, precision - 1 - exponent))
}

export function createStreamInfo(fields: Partial<StreamInfo> & Pick<StreamInfo, 'name' | 'channelCount' | 'channelFormat'>): StreamInfo {
  if (fields.name === '') throw new StreamInfoError('The name of a stream must be non-empty.')
  if (!Number.isInteger(fields.channelCount) || fields.channelCount < 0) {
    throw new StreamInfoError('The channel count of a stream must be a nonnegative integer.')
  }
  if ((fields.nominalSrateHz ?? 0) < 0) throw new StreamInfoError('The nominal sampling rate must be nonnegative.')
  return {
    type: '',
    sourceId: '',
    nominalSrateHz: IRREGULAR_RATE,
    version: LSL_PROTOCOL_VERSION,
    createdAt: 0,
    uid: '',
    sessionId: 'default',
    hostname: '',
    v4address: '',
    v4dataPort: 0,
    v4servicePort: 0,
    v6address: '',
    v6dataPort: 0,
    v6servicePort: 0,
    desc: createElement('desc'),
    ...fields
  }
}

function textNode(name: string, value: string): XmlElement {
  return createElement(name, value)
}

function infoElement(info: StreamInfo, desc: XmlElement): XmlElement {
  return createElement('info', '', [
    textNode('name', info.name),
    textNode('type', info.type),
    textNode('channel_count', String(info.channelCount)),
    textNode('channel_format', info.channelFormat),
    textNode('source_id', info.sourceId),
    textNode('nominal_srate', formatLslDouble(info.nominalSrateHz)),
    textNode('version', formatLslDouble(info.version / 100)),
    textNode('created_at', formatLslDouble(info.createdAt)),
    textNode('uid', info.uid),
    textNode('session_id', info.sessionId),
    textNode('hostname', info.hostname),
    textNode('v4address', info.v4address),
    textNode('v4data_port', String(info.v4dataPort)),
    textNode('v4service_port', String(info.v4servicePort)),
    textNode('v6address', info.v6address),
    textNode('v6data_port', String(info.v6dataPort)),
    textNode('v6service_port', String(info.v6servicePort)),
    desc
  ])
}

/** The `<info>` element with `desc`, as query matching sees it. */
export function toInfoElement(info: StreamInfo): XmlElement {
  return infoElement(info, info.desc)
}

export function toShortinfoXml(info: StreamInfo): string {
  return serializeDocument(infoElement(info, createElement('desc')))
}

export function toFullinfoXml(info: StreamInfo): string {
  return serializeDocument(infoElement(info, info.desc))
}

function boundedInt(info: XmlElement, field: string, max?: number): number {
  const raw = childText(info, field).trim()
  const value = Number.parseInt(raw, 10)
  if (!/^-?\d+/.test(raw) || value < 0 || (max !== undefined && value > max)) {
    throw new StreamInfoError(`<${field}> must be an integer >= 0${max === undefined ? '' : ` and <= ${max}`} (got '${raw}')`)
  }
  return value
}

/** Parses a shortinfo or fullinfo message; a malformed one is an error naming the field. */
export function parseStreamInfo(xml: string): StreamInfo {
  const root = parseXml(xml)
  const info = root.name === 'info' ? root : childOf(root, 'info')
  if (!info) throw new StreamInfoError('no <info> element')
  const name = childText(info, 'name')
  if (name === '') throw new StreamInfoError('stream info with an empty <name>')
  const format = childText(info, 'channel_format').trim()
  if (!(CHANNEL_FORMATS as readonly string[]).includes(format) || format === 'undefined') {
    throw new StreamInfoError(`invalid channel format '${format}'`)
  }
  const srate = Number(childText(info, 'nominal_srate'))
  if (!Number.isFinite(srate) || srate < 0) throw new StreamInfoError(`invalid <nominal_srate> '${childText(info, 'nominal_srate')}'`)
  const version = Math.round(Number(childText(info, 'version')) * 100)
  if (!(version > 0)) throw new StreamInfoError('the version of the stream info is invalid')
  const uid = childText(info, 'uid')
  if (uid === '') throw new StreamInfoError('the UID of the stream info is empty')
  return {
    name,
    type: childText(info, 'type'),
    channelCount: boundedInt(info, 'channel_count'),
    channelFormat: format as ChannelFormat,
    sourceId: childText(info, 'source_id'),
    nominalSrateHz: srate,
    version,
    createdAt: Number(childText(info, 'created_at')) || 0,
    uid,
    sessionId: childText(info, 'session_id'),
    hostname: childText(info, 'hostname'),
    v4address: childText(info, 'v4address'),
    v4dataPort: boundedInt(info, 'v4data_port', 65535),
    v4servicePort: boundedInt(info, 'v4service_port', 65535),
    v6address: childText(info, 'v6address'),
    v6dataPort: boundedInt(info, 'v6data_port', 65535),
    v6servicePort: boundedInt(info, 'v6service_port', 65535),
    desc: childOf(info, 'desc') ?? createElement('desc')
  }
}

export interface ChannelDescription {
  label: string
  type?: string
  unit?: string
}

/** The `desc/channels/channel` convention of the XDF meta-data spec (label, type, unit). */
export function channelsDesc(channels: ChannelDescription[]): XmlElement {
  return createElement(
    'channels',
    '',
    channels.map((c) =>
      createElement('channel', '', [
        textNode('label', c.label),
        ...(c.type !== undefined ? [textNode('type', c.type)] : []),
        ...(c.unit !== undefined ? [textNode('unit', c.unit)] : [])
      ])
    )
  )
}

export function readChannelsDesc(info: StreamInfo): ChannelDescription[] {
  const channels = childOf(info.desc, 'channels')?.children.filter((c) => c.name === 'channel') ?? []
  return channels.map((c) => {
    const type = childText(c, 'type')
    const unit = childText(c, 'unit')
    return { label: childText(c, 'label') || childText(c, 'name'), ...(type ? { type } : {}), ...(unit ? { unit } : {}) }
  })
}

export { textNode as createTextElement }
