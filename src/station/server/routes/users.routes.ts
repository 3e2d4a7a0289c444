/** /users: the caller's own account, and admin management of everyone's. */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { errorResponseSchema, paginationQuerySchema } from '../../../shared/schemas/common'
import { userAdminUpdateSchema, userIdParamsSchema, userPageSchema, userSchema, userSelfUpdateSchema, type UserResponse } from '../../../shared/schemas/users'
import { findUserById, listUsers, type UserRecord } from '../../auth/users.repository'
import { bearerSecurity, requireAdmin } from '../plugins/auth'

export function toUserResponse(user: UserRecord): UserResponse {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    is_active: user.isActive,
    created_at: user.createdAt,
    updated_at: user.updatedAt
  }
}

const USER_BODY_LIMIT_BYTES = 16 * 1024
const authErrors = { 401: errorResponseSchema, 403: errorResponseSchema, 422: errorResponseSchema }

export async function userRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.get(
    '/users/me',
    {
      onRequest: app.authenticate,
      schema: { tags: ['users'], summary: 'The logged-in user', security: bearerSecurity, response: { 200: userSchema, 401: errorResponseSchema } }
    },
    async (request) => toUserResponse(findUserById(app.ctx.db, request.user.id)!)
  )

  app.patch(
    '/users/me',
    {
      onRequest: app.authenticate,
      bodyLimit: USER_BODY_LIMIT_BYTES,
      schema: {
        tags: ['users'],
        summary: 'Change your name or password (the current password is required; a new password logs out every session)',
        security: bearerSecurity,
        body: userSelfUpdateSchema,
        response: { 200: userSchema, 400: errorResponseSchema, 429: errorResponseSchema, ...authErrors }
      }
    },
    async (request) => {
      const user = await app.authService.updateSelf(
        request.user.id,
        { fullName: request.body.full_name, password: request.body.password, currentPassword: request.body.current_password },
        request.ip
      )
      return toUserResponse(user)
    }
  )

  app.get(
    '/users',
    {
      onRequest: [app.authenticate, requireAdmin],
      schema: {
        tags: ['users'],
        summary: 'All users, newest first (admin)',
        security: bearerSecurity,
        querystring: paginationQuerySchema,
        response: { 200: userPageSchema, ...authErrors }
      }
    },
    async (request) => {
      const page = listUsers(app.ctx.db, request.query.skip, request.query.limit)
      return { data: page.data.map(toUserResponse), count: page.count }
    }
  )

  app.patch(
    '/users/:id',
    {
      onRequest: [app.authenticate, requireAdmin],
      bodyLimit: USER_BODY_LIMIT_BYTES,
      schema: {
        tags: ['users'],
        summary: "Change a user's role, active flag or name (admin); deactivating logs the user out everywhere",
        security: bearerSecurity,
        params: userIdParamsSchema,
        body: userAdminUpdateSchema,
        response: { 200: userSchema, 404: errorResponseSchema, 409: errorResponseSchema, ...authErrors }
      }
    },
    async (request) =>
      toUserResponse(
        app.authService.adminUpdate(
          request.user,
          request.params.id,
          { fullName: request.body.full_name, role: request.body.role, isActive: request.body.is_active },
          request.ip
        )
      )
  )
}
