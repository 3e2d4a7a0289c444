/**
 * The consent gate: each action on a session needs one scope of its participant's consent.
 *   start or resume recording → local_recording    sync to the central database → central_sync
 *   export a file → data_sharing
 * With `consent.required` off (bench tests without participants) every check passes.
 */
import { VigilError } from '../../shared/errors'
import type { ConsentScope } from '../../shared/schemas/participants'
import type { StationContext } from '../context'
import { findParticipantByCode } from './participants.repository'

const WHAT: Record<ConsentScope, string> = {
  local_recording: 'record this session',
  central_sync: 'sync this session to the central database',
  data_sharing: 'export this session'
}

/** Throws CONSENT_REQUIRED unless the participant `participantCode` has a record with `scope`. */
export function assertConsent(ctx: Pick<StationContext, 'db' | 'config'>, participantCode: string, scope: ConsentScope): void {
  if (!ctx.config.consent.required) return
  const participant = findParticipantByCode(ctx.db, participantCode)
  if (!participant) {
    throw new VigilError('CONSENT_REQUIRED', `Participant "${participantCode}" has no consent record: record their consent before you ${WHAT[scope]}`, {
      participant_code: participantCode,
      scope,
      has_record: false
    })
  }
  if (!participant.consentScopes.includes(scope)) {
    throw new VigilError(
      'CONSENT_REQUIRED',
      `Participant "${participantCode}" has not consented to ${scope.replace('_', ' ')} (form ${participant.consentFormVersion}): cannot ${WHAT[scope]}`,
      { participant_code: participantCode, scope, has_record: true }
    )
  }
}
