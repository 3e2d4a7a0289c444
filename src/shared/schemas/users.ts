/** Users on the wire, shaped like the original's UserPublic / UsersPublic (never the password hash). */
import { z } from 'zod'
import { pageOf } from './common'

export const ROLES = ['admin', 'researcher', 'student'] as const
export const roleSchema = z.enum(ROLES).meta({ id: 'Role' })
export type Role = z.infer<typeof roleSchema>

/** 8 to 128 characters (ASVS V6.2.1/V6.2.9); every character counts, bcrypt's 72-byte limit is handled server-side. */
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(128, 'at most 128 characters')

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    full_name: z.string().nullable(),
    role: roleSchema,
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string()
  })
  .meta({ id: 'User' })
export type UserResponse = z.infer<typeof userSchema>

export const userPageSchema = pageOf(userSchema).meta({ id: 'UserPage' })

const fullNameSchema = z.string().trim().max(200).nullable()

/** What users may change about themselves: never their role or active flag. */
export const userSelfUpdateSchema = z
  .strictObject({
    full_name: fullNameSchema.optional(),
    password: passwordSchema.optional(),
    current_password: z.string().max(1024).optional()
  })
  .refine((v) => v.password === undefined || v.current_password !== undefined, {
    message: 'current_password is required to set a new password',
    path: ['current_password']
  })
  .meta({ id: 'UserSelfUpdate' })
export type UserSelfUpdate = z.infer<typeof userSelfUpdateSchema>

/** Admin edits of another account. */
export const userAdminUpdateSchema = z
  .strictObject({
    full_name: fullNameSchema.optional(),
    role: roleSchema.optional(),
    is_active: z.boolean().optional()
  })
  .meta({ id: 'UserAdminUpdate' })
export type UserAdminUpdate = z.infer<typeof userAdminUpdateSchema>

export const userIdParamsSchema = z.object({ id: z.string().min(1).max(64) })
