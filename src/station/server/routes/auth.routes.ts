/** /auth: register, login (OAuth2 password form or JSON), refresh, logout. */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { loginBodySchema, refreshBodySchema, registerBodySchema, tokenResponseSchema } from '../../../shared/schemas/auth'
import { errorResponseSchema } from '../../../shared/schemas/common'
import { userSchema } from '../../../shared/schemas/users'
import type { TokenPair } from '../../auth/auth.service'
import { toUserResponse } from './users.routes'

/** The window of `auth.registrationsPerAddress` (`--registration-limit`). */
export const REGISTRATION_WINDOW_MS = 10 * 60_000

/** Credentials are small; a megabyte of "password" is an attack on the hasher, not a login. */
const AUTH_BODY_LIMIT_BYTES = 16 * 1024

function tokenResponse(pair: TokenPair) {
  return { access_token: pair.accessToken, refresh_token: pair.refreshToken, token_type: 'bearer' as const, expires_in: pair.expiresInSec }
}

export async function authRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.post(
    '/auth/register',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      config: { rateLimit: { max: fastify.ctx.config.auth.registrationsPerAddress, timeWindow: REGISTRATION_WINDOW_MS } },
      schema: {
        tags: ['auth'],
        summary: 'Create an account (the first account of a station becomes its admin; later ones are students)',
        body: registerBodySchema,
        response: { 201: userSchema, 403: errorResponseSchema, 409: errorResponseSchema, 422: errorResponseSchema, 429: errorResponseSchema }
      }
    },
    async (request, reply) => {
      const user = await app.authService.register({ email: request.body.email, password: request.body.password, fullName: request.body.full_name ?? null }, request.ip)
      return reply.code(201).send(toUserResponse(user))
    }
  )

  app.post(
    '/auth/login',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password (OAuth2 password form, or JSON) and get an access and a refresh token',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: loginBodySchema,
        response: { 200: tokenResponseSchema, 401: errorResponseSchema, 422: errorResponseSchema, 429: errorResponseSchema }
      }
    },
    async (request) => {
      const email = request.body.username ?? request.body.email ?? ''
      return tokenResponse(await app.authService.login(email, request.body.password, request.ip))
    }
  )

  app.post(
    '/auth/refresh',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      config: { rateLimit: { max: 120, timeWindow: 60_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair (rotation; reusing an old token revokes the login)',
        body: refreshBodySchema,
        response: { 200: tokenResponseSchema, 401: errorResponseSchema, 422: errorResponseSchema }
      }
    },
    async (request) => tokenResponse(await app.authService.refresh(request.body.refresh_token))
  )

  app.post(
    '/auth/logout',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Revoke the login (refresh token family) this refresh token belongs to',
        body: refreshBodySchema,
        response: { 204: z.undefined(), 422: errorResponseSchema }
      }
    },
    async (request, reply) => {
      app.authService.logout(request.body.refresh_token, request.ip)
      return reply.code(204).send()
    }
  )
}
