/**
 * Recording sessions and their lifecycle (who may see and change which: ./permissions.ts).
 *
 *   planned ──start──► recording ──pause──► paused ──resume──► recording
 *   recording|paused ──stop──► completed        planned|recording|paused ──abort──► aborted
 *
 * Only one session records from the station's headset at a time. Start/resume bind the recorder to
 * the session; pause/stop/abort unbind it and wait until every buffered row is committed before the
 * new status is stored, so `completed` means "all data is on disk".
 */
import { VigilError } from '../../shared/errors'
import type { SessionAction, SessionCreate, SessionStatus, SessionUpdate } from '../../shared/schemas/sessions'
import type { AuthUser } from '../auth/types'
import type { StationContext } from '../context'
import { createImpedanceStore } from '../devices/impedance/impedance-store'
import { newId, nowIso } from '../ids'
import { createMontageStore } from './montage.repository'
import { checkInWindow, sessionTimeWindow } from '../ingest/time-window'
import { assertConsent } from '../participants/consent'
import { assertSessionAction, canReadSession } from './permissions'
import {
  deleteSessionWithData,
  findRecordingSession,
  findSession,
  insertSession,
  listSessions,
  recordInterruption,
  updateSession,
  type Marker,
  type Session,
  type SessionFilter,
  type SessionPatch
} from './sessions.repository'

/** Legal status changes; anything else is a 409. */
const TRANSITIONS: Record<SessionStatus, readonly SessionStatus[]> = {
  planned: ['recording', 'aborted'],
  recording: ['paused', 'completed', 'aborted'],
  paused: ['recording', 'completed', 'aborted'],
  completed: [],
  aborted: []
}

/**
 * The server side of the pre-recording gate: the UI asks before recording on bad electrodes, but a
 * script or a second client must not skip the question. Only the latest check counts (a re-check
 * during a pause that passes clears the gate, one that fails needs its own override); a session never
 * checked is not gated, since not every headset can measure impedance.
 */
function assertElectrodesChecked(ctx: StationContext, sessionId: string): void {
  const store = createImpedanceStore(ctx.db)
  const latest = store.latestForSession(sessionId)
  if (!latest || latest.passed || store.hasOverride(latest.id)) return
  const bad = latest.electrodes.filter((e) => e.rating === 'bad').map((e) => e.label)
  throw new VigilError('IMPEDANCE_CHECK_FAILED', `The latest electrode check rated ${bad.join(', ')} bad; store an override for check ${latest.id} to record anyway`, {
    check_id: latest.id,
    bad_electrodes: bad
  })
}

/**
 * A montage stored for another headset (other channel count) would label the data wrongly: refused at
 * start, so the operator fixes it while nothing is recorded yet.
 */
function assertMontageFits(ctx: StationContext, sessionId: string, device: Session['device']): void {
  const montage = createMontageStore(ctx.db).latest(sessionId)
  if (!montage || !device || montage.electrodes.length === device.channelNames.length) return
  throw new VigilError('CONFLICT', `The session's montage names ${montage.electrodes.length} electrodes but the headset has ${device.channelNames.length} channels; edit the montage first`, {
    montage_electrodes: montage.electrodes.length,
    channels: device.channelNames.length
  })
}

/** The session if `user` may see it; NOT_FOUND for unknown and forbidden ids alike, so ids cannot be probed. */
export function findVisibleSession(ctx: StationContext, user: AuthUser, sessionId: string): Session {
  const session = findSession(ctx.db, sessionId)
  if (!session || !canReadSession(user, session)) throw new VigilError('NOT_FOUND', 'Session not found')
  return session
}

/** The session if `user` may take `action` on it (./permissions.ts): 404 when invisible, 403 when visible but not allowed. */
export function findSessionFor(ctx: StationContext, user: AuthUser, sessionId: string, action: SessionAction): Session {
  const session = findVisibleSession(ctx, user, sessionId)
  assertSessionAction(user, action, session)
  return session
}

export function listVisibleSessions(ctx: StationContext, user: AuthUser, filter: SessionFilter, skip: number, limit: number) {
  const scoped = user.role === 'student' ? { ...filter, createdBy: user.id } : filter
  // A student asking for someone else's sessions gets an empty page, not an error.
  if (user.role === 'student' && filter.createdBy && filter.createdBy !== user.id) return { data: [], count: 0 }
  return listSessions(ctx.db, scoped, skip, limit)
}

function deviceFromWire(device: SessionCreate['device']): Session['device'] {
  if (!device) return null
  return { kind: device.kind, port: device.port, channelNames: device.channel_names, sampleRateHz: device.sample_rate_hz }
}

export function createSession(ctx: StationContext, user: AuthUser, input: SessionCreate): Session {
  const now = nowIso(ctx.clock.wallMs())
  const session = insertSession(ctx.db, {
    id: newId(),
    stationId: ctx.stationId,
    name: input.name,
    participantCode: input.participant_code,
    notes: input.notes,
    scenario: input.scenario,
    device: deviceFromWire(input.device),
    status: 'planned',
    startedAt: null,
    endedAt: null,
    createdBy: user.id,
    createdAt: now,
    updatedAt: now
  })
  ctx.events.emit('session.changed', session.id, session.status)
  return session
}

// Lifecycle changes await the recorder's flush; one at a time per station so two requests cannot
// both pass the "nothing else records" check or both stop the same session.
const lifecycleLocks = new WeakMap<StationContext, Promise<unknown>>()

function serialized<T>(ctx: StationContext, task: () => Promise<T>): Promise<T> {
  const previous = lifecycleLocks.get(ctx) ?? Promise.resolve()
  const next = previous.then(task, task)
  lifecycleLocks.set(ctx, next.catch(() => undefined))
  return next
}

export function updateVisibleSession(ctx: StationContext, user: AuthUser, sessionId: string, input: SessionUpdate): Promise<Session> {
  return serialized(ctx, async () => {
    // A status change is the lifecycle permission, anything else an edit; both when a PATCH carries both.
    const session = findSessionFor(ctx, user, sessionId, input.status !== undefined ? 'change_status' : 'edit')
    const isEdit = Object.keys(input).some((key) => key !== 'status' && input[key as keyof SessionUpdate] !== undefined)
    if (isEdit) assertSessionAction(user, 'edit', session)
    const patch: SessionPatch = {}
    if (input.name !== undefined) patch.name = input.name
    if (input.participant_code !== undefined) patch.participantCode = input.participant_code
    if (input.notes !== undefined) patch.notes = input.notes
    if (input.scenario !== undefined) patch.scenario = input.scenario
    if (input.device !== undefined) patch.device = deviceFromWire(input.device)
    const target = input.status
    // Renaming the participant of a live recording must not dodge the consent check of its start.
    if (patch.participantCode !== undefined && (target ?? session.status) === 'recording') assertConsent(ctx, patch.participantCode, 'local_recording')
    if (target === undefined || target === session.status) return updateSession(ctx.db, session.id, patch, nowIso(ctx.clock.wallMs()))
    if (!TRANSITIONS[session.status].includes(target)) {
      throw new VigilError('SESSION_ILLEGAL_TRANSITION', `Cannot change a session from "${session.status}" to "${target}"`, {
        from: session.status,
        to: target,
        allowed: [...TRANSITIONS[session.status]]
      })
    }
    const nowMs = ctx.clock.wallMs()
    if (target === 'recording') {
      const other = findRecordingSession(ctx.db)
      if (other && other.id !== session.id) {
        throw new VigilError('SESSION_ALREADY_RECORDING', 'Another session is already recording on this station; stop or pause it first', {
          recording_session_id: canReadSession(user, other) ? other.id : null
        })
      }
      // Checked at every start and resume: consent withdrawn during a pause stops the recording too.
      assertConsent(ctx, patch.participantCode ?? session.participantCode, 'local_recording')
      assertElectrodesChecked(ctx, session.id)
      if (!session.startedAt) patch.startedAt = nowIso(nowMs)
      if (!session.device && patch.device === undefined) patch.device = currentDevice(ctx)
      assertMontageFits(ctx, session.id, patch.device ?? session.device)
      // Store the status before binding: a failed write must not leave the headset bound.
      const updated = updateSession(ctx.db, session.id, { ...patch, status: 'recording' }, nowIso(nowMs))
      ctx.recorder.bind(session.id)
      ctx.events.emit('session.changed', session.id, 'recording')
      return updated
    }
    if (ctx.recorder.boundSessionId === session.id) ctx.recorder.bind(null)
    await ctx.recorder.flush()
    if (target === 'completed' || target === 'aborted') patch.endedAt = nowIso(ctx.clock.wallMs())
    const updated = updateSession(ctx.db, session.id, { ...patch, status: target }, nowIso(ctx.clock.wallMs()))
    ctx.events.emit('session.changed', session.id, target)
    return updated
  })
}

/**
 * Pauses the session recording for `participantCode`, if any: their consent to local recording was
 * withdrawn, so nothing more may be recorded. Paused, not stopped, so what was recorded stays intact and
 * the operator decides; resuming is refused until consent is given again. Returns the paused session's id.
 */
export function pauseRecordingOfParticipant(ctx: StationContext, participantCode: string): Promise<string | null> {
  return serialized(ctx, async () => {
    const session = findRecordingSession(ctx.db)
    if (!session || session.participantCode !== participantCode) return null
    if (ctx.recorder.boundSessionId === session.id) ctx.recorder.bind(null)
    await ctx.recorder.flush()
    updateSession(ctx.db, session.id, { status: 'paused' }, nowIso(ctx.clock.wallMs()))
    ctx.events.emit('session.changed', session.id, 'paused')
    ctx.logger.warn({ session: session.id }, 'recording paused: the participant withdrew consent to recording')
    return session.id
  })
}

function currentDevice(ctx: StationContext): Session['device'] {
  const descriptor = ctx.devices.status().descriptor
  if (!descriptor) return null
  return { kind: descriptor.kind, port: descriptor.port ?? null, channelNames: [...descriptor.channelNames], sampleRateHz: descriptor.sampleRateHz }
}

export function deleteVisibleSession(ctx: StationContext, user: AuthUser, sessionId: string): Promise<void> {
  return serialized(ctx, async () => {
    const session = findSessionFor(ctx, user, sessionId, 'delete')
    if (session.status === 'recording') {
      throw new VigilError('SESSION_ILLEGAL_TRANSITION', 'A recording session cannot be deleted; stop it first', { status: session.status })
    }
    // Rows queued for this session (e.g. from a WebSocket producer) must not be committed after the delete.
    await ctx.recorder.flush()
    deleteSessionWithData(ctx.db, session.id, nowIso(ctx.clock.wallMs()))
    ctx.events.emit('session.changed', session.id, null)
  })
}

/**
 * Sessions still `recording` when the station starts were interrupted (crash, power loss): nothing is
 * bound to them any more, so they become `paused` and the operator decides whether to resume.
 */
export function pauseInterruptedSessions(ctx: StationContext): string[] {
  const ids: string[] = []
  for (let session = findRecordingSession(ctx.db); session; session = findRecordingSession(ctx.db)) {
    if (ctx.recorder.boundSessionId === session.id) break
    const nowMs = ctx.clock.wallMs()
    const id = session.id
    // The reason names the version this pause produced, so it is shown exactly while this pause lasts.
    ctx.db.transaction(() => {
      const paused = updateSession(ctx.db, id, { status: 'paused' }, nowIso(nowMs))
      recordInterruption(ctx.db, id, nowMs, paused.version)
    })()
    ctx.events.emit('session.changed', session.id, 'paused')
    ids.push(session.id)
  }
  if (ids.length > 0) ctx.logger.warn({ sessions: ids }, 'sessions interrupted while recording were paused')
  return ids
}

export interface MarkerInput {
  label: string
  tMs?: number
  value: string | null
}

/**
 * Adds an operator marker through the recorder, so WebSocket subscribers see it at once like markers
 * sent over a socket, and answers once it is committed.
 */
export async function addMarker(ctx: StationContext, user: AuthUser, sessionId: string, input: MarkerInput): Promise<Marker> {
  const session = findSessionFor(ctx, user, sessionId, 'add_marker')
  const nowMs = ctx.clock.wallMs()
  if (input.tMs !== undefined) checkInWindow([input.tMs], sessionTimeWindow(session, nowMs, ctx.config.ingest.clockToleranceS * 1000), () => 't_ms')
  const marker: Marker = {
    uid: newId(),
    sessionId: session.id,
    tMs: input.tMs ?? nowMs,
    label: input.label,
    value: input.value,
    createdBy: user.id
  }
  ctx.recorder.writeMarker(session.id, marker)
  await ctx.recorder.flush()
  return marker
}
