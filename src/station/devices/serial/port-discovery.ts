/**
 * Serial port discovery: lists ports with their USB ids and guesses which headset is behind each.
 * A guess is a hint for the operator, never a reason to open a port on our own.
 */
import { SerialPort } from 'serialport'
import type { SerialDeviceKind } from '../models'

export interface HeadsetGuess {
  kind: SerialDeviceKind
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

interface UsbRule {
  vendorId: string
  productId?: string
  guess: HeadsetGuess
}

// OpenBCI's dongle is an FTDI FT231X (0403:6015). Arduino-class boards and their CH340/CP210x
// clones usually run line-protocol sketches (BioAmp, Chords...), so they suggest `lines`.
const USB_RULES: UsbRule[] = [
  { vendorId: '0403', productId: '6015', guess: { kind: 'cyton', model: 'OpenBCI USB dongle (FTDI FT231X)', confidence: 'high' } },
  { vendorId: '0403', guess: { kind: 'cyton', model: 'FTDI USB serial adapter', confidence: 'low' } },
  { vendorId: '2341', guess: { kind: 'lines', model: 'Arduino', confidence: 'low' } },
  { vendorId: '2a03', guess: { kind: 'lines', model: 'Arduino', confidence: 'low' } },
  { vendorId: '1a86', productId: '7523', guess: { kind: 'lines', model: 'CH340 USB serial (Arduino clone)', confidence: 'low' } },
  { vendorId: '10c4', productId: 'ea60', guess: { kind: 'lines', model: 'CP210x USB serial', confidence: 'low' } }
]

/** Guesses the headset kind from USB ids or, for Bluetooth SPP links (MindWave), the path. */
export function guessHeadset(port: { path: string; vendorId?: string | null; productId?: string | null; manufacturer?: string | null }): HeadsetGuess | null {
  const vendorId = port.vendorId?.toLowerCase()
  const productId = port.productId?.toLowerCase()
  if (vendorId) {
    for (const rule of USB_RULES) {
      if (rule.vendorId === vendorId && (!rule.productId || rule.productId === productId)) return rule.guess
    }
  }
  if (/rfcomm|bluetooth|mindwave/i.test(port.path) || /neurosky/i.test(port.manufacturer ?? '')) {
    return { kind: 'thinkgear', model: 'Bluetooth serial link (MindWave Mobile)', confidence: 'low' }
  }
  return null
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

/** The one port whose guess matches `kind`, preferring high-confidence guesses; null when none or ambiguous. */
export async function findPortFor(kind: SerialDeviceKind): Promise<string | null> {
  const candidates = (await listSerialPorts()).filter((p) => p.guess?.kind === kind || (kind === 'cyton-daisy' && p.guess?.kind === 'cyton'))
  const confident = candidates.filter((p) => p.guess?.confidence === 'high')
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
