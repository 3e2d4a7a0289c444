/**
 * Client → station messages on `/api/v1/ws/session/:id` (the monitor accepts only `auth.refresh` and
 * `ping`). One JSON text frame per message, discriminated by `type`; EEG may also come as a binary
 * frame (eeg-frame.ts). `v` is optional; when present it
 * must be a version the station speaks. Data messages carry `seq`, the producer's own counter: strictly
 * increasing per connection, answered by `ack` once the data is committed to the station's database.
 */
import { z } from 'zod'
import { epochMsSchema, MAX_EPOCH_MS } from '../schemas/common'
import {
  ACCEPTED_CLIENT_VERSIONS,
  clientSeqSchema,
  faceEventSchema,
  gameEventEnvelopeSchema,
  MAX_EEG_CHANNELS,
  MAX_EEG_SAMPLES_PER_MESSAGE,
  MAX_EVENTS_PER_MESSAGE
} from './common'

const version = { v: z.literal(ACCEPTED_CLIENT_VERSIONS).optional() }

/**
 * EEG batches carry thousands of values; a zod schema per value costs several times the JSON parse
 * (measured in bench/fanout), so the arrays are checked in one loop each. Issues keep exact paths.
 */
function checkTimestamps(values: unknown[], ctx: z.RefinementCtx): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_EPOCH_MS) {
      ctx.addIssue({ code: 'custom', path: [i], message: `expected UTC epoch milliseconds, got ${JSON.stringify(v)}` })
      return
    }
  }
}

/** Rows of channel values in µV: every row the same width, 1..MAX_EEG_CHANNELS. */
const eegRowsSchema = z
  .array(z.unknown())
  .min(1)
  .max(MAX_EEG_SAMPLES_PER_MESSAGE)
  .superRefine((rows, ctx) => {
    const first = rows[0]
    const width = Array.isArray(first) ? first.length : 0
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]
      if (!Array.isArray(row)) return ctx.addIssue({ code: 'custom', path: [i], message: 'expected an array of channel values' })
      if (row.length < 1 || row.length > MAX_EEG_CHANNELS) return ctx.addIssue({ code: 'custom', path: [i], message: `has ${row.length} channels; 1-${MAX_EEG_CHANNELS} allowed` })
      if (row.length !== width) return ctx.addIssue({ code: 'custom', path: [i], message: `has ${row.length} channels, row 0 has ${width}` })
      for (let c = 0; c < row.length; c++) {
        const v: unknown = row[c]
        if (typeof v !== 'number' || !Number.isFinite(v)) return ctx.addIssue({ code: 'custom', path: [i, c], message: `expected a finite number (µV), got ${JSON.stringify(v)}` })
      }
    }
  }) as unknown as z.ZodType<number[][]>

const timestampsSchema = z
  .array(z.unknown())
  .min(1)
  .max(MAX_EEG_SAMPLES_PER_MESSAGE)
  .superRefine(checkTimestamps) as unknown as z.ZodType<number[]>

/**
 * A batch of consecutive EEG samples: sample i has session sample sequence `firstSampleSeq + i`,
 * timestamp `tMs[i]` (UTC epoch ms) and channel values `samplesUv[i]` (µV, same channel count in every
 * row). Re-sending a batch after a reconnect is harmless: a sample sequence already stored is ignored.
 */
export const eegSamplesClientSchema = z
  .object({
    type: z.literal('eeg.samples'),
    ...version,
    seq: clientSeqSchema,
    firstSampleSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER - MAX_EEG_SAMPLES_PER_MESSAGE),
    tMs: timestampsSchema,
    samplesUv: eegRowsSchema
  })
  .superRefine((msg, ctx) => {
    if (Array.isArray(msg.samplesUv) && Array.isArray(msg.tMs) && msg.samplesUv.length !== msg.tMs.length) {
      ctx.addIssue({ code: 'custom', path: ['samplesUv'], message: `has ${msg.samplesUv.length} rows but tMs has ${msg.tMs.length} timestamps` })
    }
  })

/** An event id names one event: the same id twice in one message is a producer bug, refused whole. */
function checkUniqueIds(events: { id?: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>()
  for (let i = 0; i < events.length; i++) {
    const id = events[i].id
    if (id === undefined) continue
    const first = seen.get(id)
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['events', i, 'id'], message: `repeats the id of events[${first}] (${JSON.stringify(id)}); each event needs its own id` })
      return
    }
    seen.set(id, i)
  }
}

export const faceEventsClientSchema = z
  .object({
    type: z.literal('face.events'),
    ...version,
    seq: clientSeqSchema,
    events: z.array(faceEventSchema).min(1).max(MAX_EVENTS_PER_MESSAGE)
  })
  .superRefine((msg, ctx) => checkUniqueIds(msg.events, ctx))

export const gameEventsClientSchema = z
  .object({
    type: z.literal('game.events'),
    ...version,
    seq: clientSeqSchema,
    events: z.array(gameEventEnvelopeSchema).min(1).max(MAX_EVENTS_PER_MESSAGE)
  })
  .superRefine((msg, ctx) => checkUniqueIds(msg.events, ctx))

export const markerAddClientSchema = z.object({
  type: z.literal('marker.add'),
  ...version,
  seq: clientSeqSchema,
  tMs: epochMsSchema,
  label: z.string().trim().min(1).max(200),
  value: z.string().max(2000).nullable().optional()
})

/** An operator acknowledges an alert: the same call as `POST /sessions/:id/alerts/:aid/ack`, answered by `alert.acknowledged`. */
export const alertAckClientSchema = z.object({
  type: z.literal('alert.ack'),
  ...version,
  alertId: z.string().min(1).max(100)
})

/** A fresh access token for a long-lived connection, before the current one expires. */
export const authRefreshClientSchema = z.object({
  type: z.literal('auth.refresh'),
  ...version,
  token: z.string().min(1).max(4096)
})

/** Application-level ping for clients that cannot see WebSocket ping frames (browsers). */
export const pingClientSchema = z.object({
  type: z.literal('ping'),
  ...version,
  id: z.union([z.string().max(100), z.number()]).optional()
})

export const clientMessageSchema = z.discriminatedUnion('type', [
  eegSamplesClientSchema,
  faceEventsClientSchema,
  gameEventsClientSchema,
  markerAddClientSchema,
  alertAckClientSchema,
  authRefreshClientSchema,
  pingClientSchema
])
export type ClientMessage = z.infer<typeof clientMessageSchema>
export type ClientMessageType = ClientMessage['type']
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>

/** Message types that write session data and therefore need write permission and a `seq`. */
export const DATA_MESSAGE_TYPES = ['eeg.samples', 'face.events', 'game.events', 'marker.add'] as const satisfies readonly ClientMessageType[]
export type DataMessage = ClientMessageOf<(typeof DATA_MESSAGE_TYPES)[number]>
