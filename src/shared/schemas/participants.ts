/**
 * Participant records on the wire (snake_case like sessions): the pseudonymous code sessions carry,
 * the consent given (form version, date, scopes) and the optional demographics a BIDS export lists.
 * No names, no birth dates: the code is the only link to a person, kept on paper by the lab.
 */
import { z } from 'zod'
import { pageOf, paginationQuerySchema } from './common'

/** What a participant agreed to; each scope gates one action on their sessions. */
export const CONSENT_SCOPES = ['local_recording', 'central_sync', 'data_sharing'] as const
export const consentScopeSchema = z.enum(CONSENT_SCOPES).meta({
  id: 'ConsentScope',
  description: 'local_recording: record on this station; central_sync: copy to the central database; data_sharing: export files'
})
export type ConsentScope = z.infer<typeof consentScopeSchema>

/** Pseudonymous participant codes: letters, digits, `-` and `_` (no personal names needed). */
export const participantCodeSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "-" or "_" (a pseudonymous code, not a name)')

export const PARTICIPANT_SEXES = ['female', 'male', 'other'] as const
export const PARTICIPANT_HANDEDNESS = ['left', 'right', 'ambidextrous'] as const

/** Calendar date of the signature (no time: the hour adds nothing and identifies more). */
const consentDateSchema = z.iso.date().meta({ description: 'YYYY-MM-DD' })

const participantFields = {
  consent_form_version: z.string().trim().min(1).max(50),
  consent_date: consentDateSchema,
  consent_scopes: z
    .array(consentScopeSchema)
    .max(CONSENT_SCOPES.length)
    .refine((s) => new Set(s).size === s.length, 'each scope once')
    .describe('the scopes given; an empty list records a form that was signed for none (or withdrawn)'),
  /** Whole years at consent; exports bin ages above 89 (HIPAA safe harbour). */
  age: z.number().int().min(0).max(130).nullable(),
  sex: z.enum(PARTICIPANT_SEXES).nullable(),
  handedness: z.enum(PARTICIPANT_HANDEDNESS).nullable()
}

export const participantCreateSchema = z
  .strictObject({
    participant_code: participantCodeSchema,
    consent_form_version: participantFields.consent_form_version,
    consent_date: participantFields.consent_date,
    consent_scopes: participantFields.consent_scopes,
    age: participantFields.age.default(null),
    sex: participantFields.sex.default(null),
    handedness: participantFields.handedness.default(null)
  })
  .meta({ id: 'ParticipantCreate' })
export type ParticipantCreate = z.infer<typeof participantCreateSchema>

/** Consent renewed or withdrawn, demographics corrected. The code never changes: sessions refer to it. */
export const participantUpdateSchema = z
  .strictObject({
    consent_form_version: participantFields.consent_form_version.optional(),
    consent_date: participantFields.consent_date.optional(),
    consent_scopes: participantFields.consent_scopes.optional(),
    age: participantFields.age.optional(),
    sex: participantFields.sex.optional(),
    handedness: participantFields.handedness.optional()
  })
  .meta({ id: 'ParticipantUpdate' })
export type ParticipantUpdate = z.infer<typeof participantUpdateSchema>

export const participantSchema = z
  .object({
    id: z.string(),
    participant_code: z.string(),
    consent_form_version: z.string(),
    consent_date: z.string(),
    consent_scopes: z.array(consentScopeSchema),
    age: z.number().int().nullable(),
    sex: z.enum(PARTICIPANT_SEXES).nullable(),
    handedness: z.enum(PARTICIPANT_HANDEDNESS).nullable(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.number().int()
  })
  .meta({ id: 'Participant' })
export type ParticipantResponse = z.infer<typeof participantSchema>

export const participantListQuerySchema = paginationQuerySchema.extend({
  participant_code: z.string().max(64).optional()
})
export type ParticipantListQuery = z.infer<typeof participantListQuerySchema>

export const participantPageSchema = pageOf(participantSchema).meta({ id: 'ParticipantPage' })

export const participantIdParamsSchema = z.object({ id: z.string().min(1).max(64) })
