/**
 * Serial port discovery: lists ports with their USB ids and guesses which headset is behind each.
 * A guess is a hint for the operator, never a reason to open a port on our own.
 */
import { SerialPort } from 'serialport'
import { HEADSETS, SERIAL_HEADSET_KINDS, type SerialHeadsetKind } from '../../../shared/headsets'

export interface HeadsetGuess {
  kind: SerialHeadsetKind
  /** The adapter the ids point to, which is not always the headset itself. */
  model: string
  confidence: 'high' | 'low'
}

export interface DiscoveredPort {
  path: string
  manufacturer: string | null
  serialNumber: string | null
  vendorId: string | null
  productId: string | null
  guess: HeadsetGuess | null
}

interface PortFacts {
  path: string
  vendorId?: string | null
  productId?: string | null
  manufacturer?: string | null
}

/**
 * Every kind the port could be, best first: USB ids in table order, else Bluetooth serial links
 * (MindWave) by path or manufacturer. Kinds sharing an adapter (Cyton and Daisy) all match.
 */
function headsetMatches(port: PortFacts): HeadsetGuess[] {
  const vendorId = port.vendorId?.toLowerCase()
  const productId = port.productId?.toLowerCase()
  const matches: HeadsetGuess[] = []
  if (vendorId) {
    for (const kind of SERIAL_HEADSET_KINDS) {
      const rule = HEADSETS[kind].usb.find((r) => r.vendorId === vendorId && (r.productId === null || r.productId === productId))
      if (rule) matches.push({ kind, model: rule.adapter, confidence: rule.confidence })
    }
    // An exact product match beats another kind's vendor-wide guess; otherwise table order decides.
    matches.sort((a, b) => (a.confidence === b.confidence ? 0 : a.confidence === 'high' ? -1 : 1))
  }
  if (matches.length > 0) return matches
  for (const kind of SERIAL_HEADSET_KINDS) {
    const link = HEADSETS[kind].bluetooth
    if (link && (link.pathPattern.test(port.path) || link.manufacturerPattern.test(port.manufacturer ?? ''))) {
      matches.push({ kind, model: link.adapter, confidence: 'low' })
    }
  }
  return matches
}

/** Guesses the headset kind from USB ids or, for Bluetooth SPP links (MindWave), the path. */
export function guessHeadset(port: PortFacts): HeadsetGuess | null {
  return headsetMatches(port)[0] ?? null
}

export async function listSerialPorts(): Promise<DiscoveredPort[]> {
  const ports = await SerialPort.list()
  return ports.map((p) => ({
    path: p.path,
    manufacturer: p.manufacturer ?? null,
    serialNumber: p.serialNumber ?? null,
    vendorId: p.vendorId ?? null,
    productId: p.productId ?? null,
    guess: guessHeadset(p)
  }))
}

/** The one serial port that looks like `kind`; see `pickPortFor`. */
export async function findPortFor(kind: SerialHeadsetKind): Promise<string | null> {
  return pickPortFor(await listSerialPorts(), kind)
}

/** The one port that could be `kind`, preferring high-confidence matches; null when none or ambiguous. */
export function pickPortFor(ports: readonly PortFacts[], kind: SerialHeadsetKind): string | null {
  const candidates = ports.flatMap((p) => headsetMatches(p).filter((m) => m.kind === kind).map((m) => ({ path: p.path, confidence: m.confidence })))
  const confident = candidates.filter((c) => c.confidence === 'high')
  const pool = confident.length > 0 ? confident : candidates
  return pool.length === 1 ? pool[0].path : null
}

/** What identifies a USB serial adapter across re-enumeration (ttyUSB0 may come back as ttyUSB1). */
export interface PortIdentity {
  vendorId: string
  productId: string | null
  serialNumber: string | null
}

export function identityOf(port: Pick<DiscoveredPort, 'vendorId' | 'productId' | 'serialNumber'> | undefined): PortIdentity | null {
  if (!port?.vendorId) return null
  return { vendorId: port.vendorId.toLowerCase(), productId: port.productId?.toLowerCase() ?? null, serialNumber: port.serialNumber ?? null }
}

/**
 * The port the same adapter reappeared on: same USB serial number, or, for adapters without one,
 * the only port with the same vendor/product ids. Null when the adapter is not back (or ambiguous).
 */
export function findReplacementPort(ports: readonly DiscoveredPort[], identity: PortIdentity): string | null {
  const sameModel = ports.filter((p) => identityOf(p)?.vendorId === identity.vendorId && identityOf(p)?.productId === identity.productId)
  if (identity.serialNumber) return sameModel.find((p) => p.serialNumber === identity.serialNumber)?.path ?? null
  return sameModel.length === 1 ? sameModel[0].path : null
}

/** The port an adapter with `identity` came back under, when it is not `currentPath`; null if none (or listing failed). */
export async function findMovedPort(identity: PortIdentity, currentPath: string | null): Promise<string | null> {
  try {
    const moved = findReplacementPort(await listSerialPorts(), identity)
    return moved && moved !== currentPath ? moved : null
  } catch {
    return null
  }
}
