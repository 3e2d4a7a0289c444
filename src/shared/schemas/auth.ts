/** The /auth bodies, wire-compatible with the original's OAuth2 password form and Token response. */
import { z } from 'zod'
import { passwordSchema } from './users'

/** RFC 5321 caps a mailbox at 254 characters; the shape check stays loose on purpose. */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'not an email address')

export const registerBodySchema = z
  .strictObject({
    email: emailSchema,
    password: passwordSchema,
    full_name: z.string().trim().max(200).nullable().optional()
  })
  .meta({ id: 'UserRegister' })
export type RegisterBody = z.infer<typeof registerBodySchema>

/**
 * `application/x-www-form-urlencoded` (OAuth2PasswordRequestForm: `username` is the email) or JSON
 * (`username` or `email`). Lengths are bounded before any hashing.
 */
export const loginBodySchema = z
  .object({
    username: z.string().max(254).optional(),
    email: z.string().max(254).optional(),
    password: z.string().min(1).max(1024),
    grant_type: z.literal('password').optional(),
    scope: z.string().max(1000).optional(),
    client_id: z.string().max(200).optional(),
    client_secret: z.string().max(200).optional()
  })
  .refine((v) => Boolean(v.username ?? v.email), { message: 'username (the email) is required', path: ['username'] })
  .meta({ id: 'LoginForm' })
export type LoginBody = z.infer<typeof loginBodySchema>

export const tokenResponseSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    /** Seconds until the access token expires. */
    expires_in: z.number().int()
  })
  .meta({ id: 'Token' })
export type TokenResponse = z.infer<typeof tokenResponseSchema>

export const refreshBodySchema = z.strictObject({ refresh_token: z.string().min(1).max(200) }).meta({ id: 'RefreshRequest' })
export type RefreshBody = z.infer<typeof refreshBodySchema>
