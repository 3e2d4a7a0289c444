/**
 * What a byte protocol gives the serial driver (serial.driver.ts): the pure parser and the model
 * facts; and the driver's options. Cyton, ThinkGear and the line protocol each implement it.
 */
import type { Transform } from 'node:stream'
import type { SerialHeadsetKind } from '../../../shared/headsets'
import type { Clock } from '../../clock'
import type { DecodedBatch, DecodedEvent, ParserStats } from '../protocol'
import type { HeadsetDescriptor } from '../types'

export interface SerialProtocol {
  readonly kind: SerialHeadsetKind
  readonly descriptor: HeadsetDescriptor
  readonly defaultBaudRate: number
  /** Modulus of the device's sample counter; null when it has none. */
  readonly counterModulus: number | null
  /** The counter's modulus is unknown (line protocol): infer it when the counter goes back. */
  readonly inferCounterModulus?: boolean
  /** Written after every open (Cyton: 'b' starts streaming). */
  readonly startCommand?: string
  /** Written before an intentional close (Cyton: 's'). */
  readonly stopCommand?: string
  /** What to check when the port is open but silent, shown in the status detail. */
  readonly silenceHint?: string
  /** Splits the byte stream before decoding (the line protocol's readline). */
  createFramer?(): Transform
  decode(chunks: Array<Buffer | string>): DecodedBatch
  /** Forgets partial frames after the port was reopened. */
  reset(): void
  parserStats(): ParserStats
  /** Applies in-band metadata (a line-protocol header); returns true when the descriptor changed. */
  applyEvents?(events: DecodedEvent[]): boolean
  /** The parser's counters are its own count of samples seen and lost (see `TimelineOptions`). */
  readonly isCounterVirtual?: boolean
  /** The start command restarts the device's sample counter (Cyton firmware: 0 on every `b`). */
  readonly restartsCounterOnStart?: boolean
  /** The command that switches a channel's lead-off current on or off (Cyton: `z CH P N Z`). */
  leadOffCommand?(channel: number, pin: 'n' | 'p', isOn: boolean): string
}

export interface SerialDriverOptions {
  clock: Clock
  /** Port path; when missing, the one port whose USB ids match the kind is used. */
  path?: string
  baudRate?: number
  /** No samples for this long (while the event loop runs) makes an open port `no_data` (default 2000 ms). */
  stallTimeoutMs?: number
  reconnectInitialDelayMs?: number
  reconnectMaxDelayMs?: number
  /** First re-send of the start command in `no_data`, doubling up to the maximum (defaults 1 s, 30 s). */
  noDataRetryInitialMs?: number
  noDataRetryMaxMs?: number
}
