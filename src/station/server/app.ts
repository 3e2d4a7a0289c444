/**
 * Builds the embedded Fastify server without listening (tests use `app.inject`). Plugin order
 * matters: swagger before routes (routes registered earlier are missing from the document),
 * websocket before WS routes, error handling before everything.
 */
import cors from '@fastify/cors'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import websocket from '@fastify/websocket'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider
} from 'fastify-type-provider-zod'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { WebSocket } from 'ws'
import type { StationContext } from '../context'
import { VIGIL_VERSION } from '../paths'
import { VigilError } from '../../shared/errors'
import { allowedOrigins, hostOf, isStationHost } from './origins'
import type { TlsMaterial } from './tls'
import { installErrorHandling } from './plugins/errors'
import { registerRoutes } from './routes'

declare module 'fastify' {
  interface FastifyInstance {
    ctx: StationContext
    /** The certificate served, or null on plain HTTP; swapped in place when the lab's files change. */
    tls: { current: TlsMaterial } | null
  }
}

export interface BuildServerOptions {
  /** Serve HTTPS/WSS with this certificate (server/tls.ts); plain HTTP without. */
  tls?: TlsMaterial | null
}

export type VigilServer = FastifyInstance

export const API_PREFIX = '/api/v1'

export async function buildServer(ctx: StationContext, options: BuildServerOptions = {}): Promise<VigilServer> {
  const tls = options.tls ?? null
  const app = Fastify({
    // Fastify types an HTTPS instance apart; routes and plugins see the same API either way.
    ...({ https: tls ? { cert: tls.cert, key: tls.key } : null } as object),
    trustProxy: ctx.config.server.trustProxy,
    loggerInstance: ctx.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: ctx.config.server.bodyLimitBytes,
    requestTimeout: 120_000,
    keepAliveTimeout: 10_000,
    // Requests still running at stop get a moment; then sockets close so stop() cannot hang.
    forceCloseConnections: true,
    // Per-request lines only when debugging: the UI polls, and the log should stay readable.
    logController: new LogController({ disableRequestLogging: ctx.config.log.level !== 'debug' && ctx.config.log.level !== 'trace' })
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.decorate('ctx', ctx)
  app.decorate('tls', tls ? { current: tls } : null)
  const rendererDir = ctx.config.server.rendererDir
  const servesRenderer = Boolean(rendererDir && existsSync(join(rendererDir, 'index.html')))
  installErrorHandling(app, { spaFallback: servesRenderer })
  // JSON must come as application/json: a cross-site page can POST text/plain without a CORS
  // preflight, so a JSON body under that type is refused (415) instead of parsed.
  app.removeContentTypeParser('text/plain')

  await app.register(helmet, {
    // The React app and Swagger UI load only same-origin scripts; WebSockets go to the same host.
    contentSecurityPolicy: {
      directives: {
        // Only with TLS: on plain HTTP it makes a browser on another host ask for https:// assets that
        // nobody answers (a blank page). Loopback is exempt in browsers, so only a remote browser
        // shows it (test/e2e/remote-browser.spec.ts).
        upgradeInsecureRequests: tls ? [] : null,
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:']
      }
    },
    crossOriginEmbedderPolicy: false,
    // HSTS only over TLS: on plain HTTP it would be a promise the station cannot keep. Browsers ignore
    // it on a connection with certificate errors, so a not-yet-trusted self-made certificate stays usable.
    strictTransportSecurity: tls ? { maxAge: 180 * 86_400, includeSubDomains: false } : false
  })
  await app.register(cors, {
    origin: (origin, callback) => {
      // No Origin header: same-origin or non-browser client (curl, scripts): nothing for CORS to guard.
      if (!origin) return callback(null, true)
      callback(null, allowedOrigins(app).has(origin))
    },
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    credentials: false
  })
  await app.register(formbody)
  // Routes opt in with `config: { rateLimit: {...} }`; the key falls back for injected WS requests (no IP).
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => request.ip ?? 'local',
    // Thrown, so the error plugin answers it like every other 429 (body shape, Retry-After).
    errorResponseBuilder: (_request, context) => {
      const retryAfterS = Math.max(1, Math.ceil(context.ttl / 1000))
      return new VigilError('RATE_LIMITED', `Too many requests: retry in ${retryAfterS} s`, { retry_after_s: retryAfterS })
    }
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigil station API',
        version: VIGIL_VERSION,
        description: 'Acquisition station for driver-fatigue research. Wire-compatible with the original FastAPI design.'
      },
      servers: [],
      components: {
        securitySchemes: {
          OAuth2PasswordBearer: {
            type: 'oauth2',
            flows: { password: { tokenUrl: `${API_PREFIX}/auth/login`, refreshUrl: `${API_PREFIX}/auth/refresh`, scopes: {} } }
          }
        }
      }
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } })
  await app.register(websocket, {
    options: { maxPayload: ctx.config.server.wsMaxPayloadBytes },
    errorHandler: (error, socket, request) => logWebSocketError(error, socket, request, ctx.config.server.wsMaxPayloadBytes)
  })
  // After the websocket plugin: its own onRequest hook must run first, or a refused upgrade's socket is never closed.
  app.addHook('onRequest', async (request) => {
    const host = request.headers.host
    if (!isStationHost(app, host)) {
      throw new VigilError('HOST_NOT_ALLOWED', `This station does not answer to the host name "${hostOf(host ?? '')}"; add it with --allowed-hosts if it is the station's own`)
    }
  })

  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger())

  await app.register(registerRoutes, { prefix: API_PREFIX })

  // wildcard: files are looked up per request, so a rebuilt renderer is served without a restart.
  if (servesRenderer && rendererDir) await app.register(fastifyStatic, { root: rendererDir, prefix: '/', wildcard: true })
  return app
}

/**
 * Errors on an open WebSocket. A client that breaks the protocol (a frame over `maxPayload`, invalid
 * UTF-8, a bad opcode: ws codes `WS_ERR_*`) is the client's problem, not the station's: one warning
 * without a stack (ws emits the error once and closes the socket itself, with 1009 or 1002, so the
 * client learns why). A dropped connection is routine (debug). Anything else is a station defect:
 * error with its stack, and the socket is terminated.
 */
function logWebSocketError(error: Error & { code?: string }, socket: WebSocket, request: FastifyRequest, maxPayloadBytes: number): void {
  const code = error.code ?? null
  if (code?.startsWith('WS_ERR_')) {
    const tooBig = code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
    request.log.warn(
      { code, remoteAddress: request.ip, ...(tooBig ? { maxPayloadBytes } : {}) },
      tooBig ? `WebSocket frame too big (over ${maxPayloadBytes} bytes); connection closed with 1009` : `WebSocket protocol violation: ${error.message}; connection closed`
    )
    return
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    request.log.debug({ code }, 'WebSocket connection dropped')
    return
  }
  request.log.error({ err: error }, 'WebSocket error')
  socket.terminate()
}
