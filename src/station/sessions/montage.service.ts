/**
 * Per-session montage (labels, 10-20/10-10 sites, reference, ground): read, and edited before the
 * recording starts. Once a session has samples its labels are fixed, so every file of it agrees.
 */
import { VigilError } from '../../shared/errors'
import { defaultMontagePreset } from '../../shared/montage-presets'
import type { MontageInput } from '../../shared/schemas/montage'
import type { AuthUser } from '../auth/types'
import type { StationContext } from '../context'
import { standardPositionName } from '../export/electrode-positions'
import { createMontageStore, type StoredMontage } from './montage.repository'
import { findSessionFor, findVisibleSession } from './sessions.service'
import type { Session } from './sessions.repository'

export interface SessionMontage extends Omit<StoredMontage, 'tMs' | 'userId'> {
  sessionId: string
  isStored: boolean
  tMs: number | null
}

/** Channel count the montage must match: the session's headset, else the connected one; null when neither is known. */
function expectedChannels(ctx: StationContext, session: Session): { kind: string | null; count: number | null } {
  if (session.device) return { kind: session.device.kind, count: session.device.channelNames.length }
  const descriptor = ctx.devices.status().descriptor
  return descriptor ? { kind: descriptor.kind, count: descriptor.channelNames.length } : { kind: null, count: null }
}

export function getSessionMontage(ctx: StationContext, user: AuthUser, sessionId: string): SessionMontage {
  const session = findVisibleSession(ctx, user, sessionId)
  const stored = createMontageStore(ctx.db).latest(session.id)
  if (stored) return { sessionId: session.id, preset: stored.preset, electrodes: stored.electrodes, reference: stored.reference, ground: stored.ground, isStored: true, tMs: stored.tMs }
  const { kind, count } = expectedChannels(ctx, session)
  const preset = defaultMontagePreset(kind, count ?? 8)
  return { sessionId: session.id, preset: preset.id, electrodes: preset.electrodes, reference: preset.reference, ground: preset.ground, isStored: false, tMs: null }
}

export function setSessionMontage(ctx: StationContext, user: AuthUser, sessionId: string, input: MontageInput): SessionMontage {
  const session = findSessionFor(ctx, user, sessionId, 'edit')
  if (session.status !== 'planned') {
    throw new VigilError('SESSION_ILLEGAL_TRANSITION', `The montage is fixed once the recording has started (session is ${session.status})`, { status: session.status })
  }
  const { count } = expectedChannels(ctx, session)
  if (count !== null && input.electrodes.length !== count) {
    throw new VigilError('VALIDATION_FAILED', `The headset has ${count} channels; the montage names ${input.electrodes.length}`, { channels: count, electrodes: input.electrodes.length })
  }
  const electrodes = input.electrodes.map((e, i) => {
    if (e.position === null) return { label: e.label, position: null }
    const position = standardPositionName(e.position)
    if (!position) throw new VigilError('VALIDATION_FAILED', `Electrode ${i + 1} (${e.label}): "${e.position}" is not a 10-20/10-10 site`, { electrode: i, position: e.position })
    return { label: e.label, position }
  })
  const stored: StoredMontage = { preset: input.preset, electrodes, reference: input.reference, ground: input.ground, tMs: ctx.clock.wallMs(), userId: user.id }
  createMontageStore(ctx.db).record(session.id, stored)
  return { sessionId: session.id, preset: stored.preset, electrodes, reference: stored.reference, ground: stored.ground, isStored: true, tMs: stored.tMs }
}
