/** Schemas shared by every route: errors and pagination, shaped like the FastAPI original. */
import { z } from 'zod'

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
