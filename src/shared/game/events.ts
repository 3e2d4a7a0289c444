/**
 * What the simulation emits. `tMs` is scenario-clock time (ms since the drive started, paused time
 * excluded), so a replay reproduces it exactly; wall-clock time is added at the socket boundary.
 * These are the game's own types; the session WebSocket's game-event message carries them as payload.
 */
import { z } from 'zod'

const t = { tMs: z.number().min(0) }
const side = z.enum(['left', 'right'])
const responseVia = z.enum(['button', 'brake'])

export const gameEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('state'),
    ...t,
    distanceM: z.number(),
    /** Vehicle centre to lane centre, positive to the right. */
    laneOffsetM: z.number(),
    laneWidthM: z.number(),
    /** Vehicle heading relative to the road tangent, positive to the right. */
    headingRad: z.number(),
    speedMps: z.number(),
    steeringWheelDeg: z.number(),
    roadCurvaturePerM: z.number(),
    isStraight: z.boolean()
  }),
  z.object({ kind: z.literal('lane_departure'), ...t, side, laneOffsetM: z.number() }),
  z.object({ kind: z.literal('lane_return'), ...t, side, durationMs: z.number() }),
  z.object({ kind: z.literal('collision'), ...t, object: z.literal('guardrail'), side, speedMps: z.number() }),
  z.object({ kind: z.literal('stimulus_shown'), ...t, stimulusId: z.number().int(), stimulusKind: z.enum(['light', 'brake_lights']) }),
  z.object({
    kind: z.literal('response'),
    ...t,
    stimulusId: z.number().int(),
    via: responseVia,
    /** Onset to response on the simulation clock (quantised to the step). */
    simReactionTimeMs: z.number(),
    /** Paint of the stimulus to the input event, both from performance.now(); absent headless. */
    reactionTimeMs: z.number().optional(),
    isLapse: z.boolean()
  }),
  z.object({ kind: z.literal('stimulus_missed'), ...t, stimulusId: z.number().int(), responseWindowMs: z.number() }),
  z.object({ kind: z.literal('false_start'), ...t, via: responseVia }),
  z.object({ kind: z.literal('kss_prompt'), ...t, promptId: z.number().int() }),
  z.object({ kind: z.literal('kss_answer'), ...t, promptId: z.number().int(), value: z.number().int().min(1).max(9), latencyMs: z.number() }),
  z.object({ kind: z.literal('kss_timeout'), ...t, promptId: z.number().int(), timeoutMs: z.number() }),
  z.object({ kind: z.literal('started'), ...t, scenarioId: z.string(), seed: z.number().int() }),
  z.object({ kind: z.literal('paused'), ...t }),
  z.object({ kind: z.literal('resumed'), ...t }),
  z.object({ kind: z.literal('ended'), ...t, reason: z.enum(['completed', 'operator']) })
])
export type GameEvent = z.infer<typeof gameEventSchema>
export type GameEventKind = GameEvent['kind']
export type GameStateEvent = Extract<GameEvent, { kind: 'state' }>

/** Operator commands for the participant's drive (start, pause, resume, end). */
export const driveCommandSchema = z.enum(['start', 'pause', 'resume', 'end'])
export type DriveCommand = z.infer<typeof driveCommandSchema>

/** One step's controls, as logged for replay. */
export const driveInputSchema = z.object({
  /** Steering target, -1 (left) .. 1 (right). */
  steer: z.number().min(-1).max(1),
  isAnalogSteer: z.boolean(),
  throttle: z.number().min(0).max(1),
  /** 0..1; crossing 0.5 upward is a stimulus response, like the button. */
  brake: z.number().min(0).max(1),
  /** The response button, held. A press shorter than a step must be latched by the caller. */
  isButtonDown: z.boolean(),
  /** A KSS digit pressed since the previous step, or null. */
  kssKey: z.number().int().min(1).max(9).nullable()
})
export type DriveInput = z.infer<typeof driveInputSchema>

/** Input changes and operator commands, each applied before step `atStep`. */
export const inputLogEntrySchema = z.union([
  z.object({ atStep: z.number().int().min(0), input: driveInputSchema }),
  z.object({ atStep: z.number().int().min(0), command: driveCommandSchema })
])
export type InputLogEntry = z.infer<typeof inputLogEntrySchema>

/**
 * Events that travel in `game.events` next to the simulation's own: the operator's command to the
 * participant's screen, the screen announcing it has loaded a drive, and input-log chunks from which
 * the station's copy of a drive can be replayed (see replay.ts).
 */
export const driveWireEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drive_command'), command: driveCommandSchema }),
  z.object({ kind: z.literal('drive_ready'), scenarioId: z.string(), seed: z.number().int(), status: z.enum(['ready', 'running', 'paused', 'ended']) }),
  z.object({ kind: z.literal('drive_inputs'), scenarioId: z.string(), seed: z.number().int(), fromIndex: z.number().int().min(0), entries: z.array(inputLogEntrySchema), endStep: z.number().int() })
])
export type DriveWireEvent = z.infer<typeof driveWireEventSchema>
