/**
 * The one translation from errors to HTTP responses, shaped like FastAPI's so clients written for the
 * original keep working: `{"detail": "..."}` for every error (plus our `code`), and 422 with
 * `detail: [{loc, msg, type}]` for validation failures.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { ERROR_CODES, isVigilError, type ErrorCode } from '../../../shared/errors'

export interface ValidationDetail {
  loc: (string | number)[]
  msg: string
  type: string
}

/** Fastify's validation contexts, named as FastAPI names them in `loc`. */
const LOCATION_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'AUTH_INVALID_TOKEN',
  403: 'AUTH_FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED'
}

export interface ErrorHandlingOptions {
  /** Answer unknown GET paths outside the API with the web app, so client-side routes survive a reload. */
  spaFallback: boolean
}

export function installErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      // fastify-type-provider-zod 7 reports each zod issue as `{keyword: code, instancePath: '/a/0', message}`.
      const detail: ValidationDetail[] = error.validation.map((entry) => {
        const path = entry.instancePath.split('/').slice(1).filter((p) => p !== '')
        return {
          loc: [LOCATION_NAMES[error.validationContext ?? 'body'] ?? 'body', ...path.map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
          msg: entry.message ?? 'invalid',
          type: entry.keyword
        }
      })
      return reply.code(422).send({ detail, code: 'VALIDATION_FAILED' })
    }
    if (isVigilError(error)) {
      if (error.httpStatus === 401) reply.header('WWW-Authenticate', authenticateHeader(error.code))
      // Every 429 says when to come back (RFC 9110 §10.2.3); throttles put the wait in `retry_after_s`.
      if (error.code === 'RATE_LIMITED') reply.header('retry-after', String(error.details?.retry_after_s ?? 1))
      if (error.httpStatus >= 500) request.log.error({ err: error }, error.message)
      return reply.code(error.httpStatus).send({ detail: error.message, code: error.code, ...(error.details ? { context: error.details } : {}) })
    }
    // Malformed JSON bodies: FastAPI answers 422 json_invalid; so do we.
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && error.statusCode === 400)) {
      return reply.code(422).send({ detail: [{ loc: ['body'], msg: `JSON decode error: ${error.message}`, type: 'json_invalid' }], code: 'VALIDATION_FAILED' })
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    if (status >= 500) {
      request.log.error({ err: error }, 'unhandled error')
      return reply.code(status).send({ detail: 'Internal Server Error', code: 'INTERNAL' })
    }
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer')
    return reply.code(status).send({ detail: error.message, code: STATUS_CODES[status] ?? 'BAD_REQUEST' })
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    if (options.spaFallback && request.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/docs')) {
      return reply.type('text/html').sendFile('index.html')
    }
    return reply.code(404).send({ detail: `Not Found: ${request.method} ${path}`, code: 'NOT_FOUND' })
  })
}

/** RFC 6750 §3: tell the client why its bearer token was refused. */
export function authenticateHeader(code: ErrorCode): string {
  if (code === 'AUTH_MISSING_TOKEN') return 'Bearer'
  if (ERROR_CODES[code].httpStatus === 401) return 'Bearer error="invalid_token"'
  return 'Bearer'
}
