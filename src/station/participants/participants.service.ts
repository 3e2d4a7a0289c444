/**
 * Participant records: who may see and change them follows the session rules (sessions/permissions.ts):
 * students their own records, researchers and admins all; only the creator or an admin edits.
 */
import { VigilError } from '../../shared/errors'
import type { ParticipantCreate, ParticipantUpdate } from '../../shared/schemas/participants'
import type { AuthUser } from '../auth/types'
import type { StationContext } from '../context'
import { newId, nowIso } from '../ids'
import { canReadSession, canWriteSession } from '../sessions/permissions'
import { pauseRecordingOfParticipant } from '../sessions/sessions.service'
import {
  countSessionsOf,
  deleteParticipant,
  findParticipant,
  findParticipantByCode,
  insertParticipant,
  listParticipants,
  updateParticipant,
  type Participant,
  type ParticipantFilter,
  type ParticipantPatch
} from './participants.repository'

/** NOT_FOUND for unknown and forbidden ids alike, so ids cannot be probed. */
export function findVisibleParticipant(ctx: StationContext, user: AuthUser, id: string): Participant {
  const participant = findParticipant(ctx.db, id)
  if (!participant || !canReadSession(user, participant)) throw new VigilError('NOT_FOUND', 'Participant not found')
  return participant
}

function findWritableParticipant(ctx: StationContext, user: AuthUser, id: string): Participant {
  const participant = findVisibleParticipant(ctx, user, id)
  if (!canWriteSession(user, participant)) throw new VigilError('AUTH_FORBIDDEN', 'Only the creator of a participant record or an admin can change it')
  return participant
}

export function listVisibleParticipants(ctx: StationContext, user: AuthUser, filter: ParticipantFilter, skip: number, limit: number) {
  return listParticipants(ctx.db, user.role === 'student' ? { ...filter, createdBy: user.id } : filter, skip, limit)
}

export function createParticipant(ctx: StationContext, user: AuthUser, input: ParticipantCreate): Participant {
  if (findParticipantByCode(ctx.db, input.participant_code)) {
    throw new VigilError('CONFLICT', `Participant "${input.participant_code}" already has a record; edit it instead`, { participant_code: input.participant_code })
  }
  const now = nowIso(ctx.clock.wallMs())
  return insertParticipant(ctx.db, {
    id: newId(),
    code: input.participant_code,
    consentFormVersion: input.consent_form_version,
    consentDate: input.consent_date,
    consentScopes: input.consent_scopes,
    age: input.age,
    sex: input.sex,
    handedness: input.handedness,
    createdBy: user.id,
    createdAt: now,
    updatedAt: now
  })
}

export async function updateVisibleParticipant(ctx: StationContext, user: AuthUser, id: string, input: ParticipantUpdate): Promise<Participant> {
  const participant = findWritableParticipant(ctx, user, id)
  const patch: ParticipantPatch = {
    consentFormVersion: input.consent_form_version,
    consentDate: input.consent_date,
    consentScopes: input.consent_scopes,
    age: input.age,
    sex: input.sex,
    handedness: input.handedness
  }
  const updated = updateParticipant(ctx.db, participant.id, patch, nowIso(ctx.clock.wallMs()))
  const before = new Set(participant.consentScopes)
  const after = new Set(updated.consentScopes)
  // Consent given for central sync: sessions the sync held back can go now.
  if (after.has('central_sync') && !before.has('central_sync')) ctx.sync.runNow()
  // Consent to recording withdrawn: a recording of this participant must not go on.
  if (ctx.config.consent.required && before.has('local_recording') && !after.has('local_recording')) await pauseRecordingOfParticipant(ctx, updated.code)
  return updated
}

/** Refused while sessions name the participant: their consent record is what allows those sessions. */
export function deleteVisibleParticipant(ctx: StationContext, user: AuthUser, id: string): void {
  const participant = findWritableParticipant(ctx, user, id)
  const sessions = countSessionsOf(ctx.db, participant.code)
  if (sessions > 0) {
    throw new VigilError('CONFLICT', `Participant "${participant.code}" has ${sessions} session(s); delete those first (the consent record covers them)`, {
      sessions
    })
  }
  deleteParticipant(ctx.db, participant.id)
}
