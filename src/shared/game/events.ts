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
