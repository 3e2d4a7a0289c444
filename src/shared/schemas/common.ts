/** Schemas shared by every route and the stream: errors, pagination (shaped like the FastAPI original), times. */
import { z } from 'zod'

/** The largest time a JavaScript Date can hold (±8.64e15 ms, about year 275 760): beyond it a time is no time. */
export const MAX_EPOCH_MS = 8.64e15

/** UTC epoch milliseconds (sub-millisecond allowed). */
export const epochMsSchema = z.number().finite().min(0).max(MAX_EPOCH_MS)

export const errorResponseSchema = z
  .object({
    detail: z.union([
      z.string(),
      z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() }))
    ]),
    code: z.string().optional(),
    context: z.record(z.string(), z.unknown()).optional()
  })
  .meta({ id: 'ErrorResponse' })
export type ErrorResponse = z.infer<typeof errorResponseSchema>

/** `?skip=&limit=` as in the original; `limit` is bounded so one request cannot dump a table. */
export const paginationQuerySchema = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(100)
})

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), count: z.number().int() })
}
