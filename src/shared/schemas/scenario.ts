/**
 * A driving scenario as data (resources/scenarios/*.json). The same scenario and seed give every
 * participant the same road, gusts, stimuli and KSS probes; only the participant's inputs differ.
 * Units: metres, seconds, m/s, m/s²; curvature in 1/m, positive = bend to the right.
 */
import { z } from 'zod'

const rangeSchema = z
  .object({ min: z.number(), max: z.number() })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })

const roadSegmentSchema = z.object({
  lengthM: z.number().positive(),
  /** 1/radius; |curvature| ≤ 0.01 keeps radii ≥ 100 m, which highway speeds need. */
  curvaturePerM: z.number().min(-0.01).max(0.01)
})

const roadProfileSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('segments'),
    /** Driven in order and repeated when the drive outlasts them. */
    segments: z.array(roadSegmentSchema).min(1)
  }),
  z.object({
    kind: z.literal('generated'),
    /**
     * Chance that a segment after a straight is straight again; after a bend always comes a straight
     * (when this is > 0), so the share of straights is 1 / (2 - straightFraction). SDLP is read on straights.
     */
    straightFraction: z.number().min(0).max(1),
    segmentLengthM: rangeSchema,
    maxCurvaturePerM: z.number().min(0).max(0.01)
  })
])

const stimulusBlockSchema = z
  .object({
    startS: z.number().min(0),
    endS: z.number().positive(),
    /** light: a red light above the road; brake_lights: the lead car's brake lights. Response: brake or button. */
    stimulusKind: z.enum(['light', 'brake_lights']),
    /** Inter-stimulus interval, uniform; the standard PVT uses 2-10 s. */
    intervalS: rangeSchema.default({ min: 2, max: 10 }),
    /** After this a stimulus counts as missed and is taken down. */
    responseWindowMs: z.number().int().min(500).max(30_000).default(3000),
    /** RT at or above this is a lapse (500 ms for the 10-min PVT, 355 ms for PVT-B). */
    lapseThresholdMs: z.number().int().positive().default(500)
  })
  .refine((b) => b.endS > b.startS, { message: 'endS must be after startS' })

export const scenarioSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(1),
    description: z.string().default(''),
    /** Scenario clock length; the drive ends by itself after this. */
    durationS: z.number().positive().max(4 * 3600),
    /** One seed for the whole drive; independent streams for road, gusts and stimuli derive from it. */
    seed: z.number().int().min(0).max(0xffffffff),
    /** Fixed simulation step rate; 120 Hz keeps sim-side RT quantisation at 8.3 ms. */
    stepHz: z.number().int().min(30).max(1000).default(120),
    /** Telemetry (lane position, heading, speed, steering) rate sent to the station; ≥ 20 Hz. */
    telemetryHz: z.number().int().min(20).max(120).default(30),
    road: z.object({
      laneWidthM: z.number().min(2.5).max(5).default(3.5),
      /** Lanes of the carriageway; the participant drives the rightmost one. */
      laneCount: z.number().int().min(1).max(4).default(2),
      /** Beyond the lane edges: the hard shoulder, then the guardrail (a collision). */
      shoulderWidthM: z.number().min(0).max(5).default(2.5),
      profile: roadProfileSchema
    }),
    vehicle: z
      .object({
        widthM: z.number().positive().default(1.8),
        wheelbaseM: z.number().positive().default(2.8),
        /** Target speed for the cruise control; braking slows, releasing resumes it. */
        cruiseSpeedKmh: z.number().positive().max(200).default(100),
        maxSteeringWheelDeg: z.number().positive().max(900).default(30),
        steeringRatio: z.number().positive().default(15),
        /** How fast digital (keyboard) steering moves toward full lock, in full-scale units per second. */
        steeringRatePerS: z.number().positive().default(0.6)
      })
      .default({ widthM: 1.8, wheelbaseM: 2.8, cruiseSpeedKmh: 100, maxSteeringWheelDeg: 30, steeringRatio: 15, steeringRatePerS: 0.6 }),
    wind: z
      .object({
        /** Steady lateral push (m/s², positive to the right): the driver must hold a small correction. */
        steadyAccelMS2: z.number().min(-2).max(2).default(0),
        /** Gusts arrive at uniform random gaps, each a smooth lateral push of random size and sign. */
        gustIntervalS: rangeSchema.default({ min: 8, max: 25 }),
        gustDurationS: rangeSchema.default({ min: 1, max: 3 }),
        gustAccelMS2: rangeSchema.default({ min: 0.3, max: 1.2 })
      })
      .default({
        steadyAccelMS2: 0,
        gustIntervalS: { min: 8, max: 25 },
        gustDurationS: { min: 1, max: 3 },
        gustAccelMS2: { min: 0.3, max: 1.2 }
      }),
    stimuli: z.array(stimulusBlockSchema).default([]),
    kss: z
      .object({
        isEnabled: z.boolean().default(true),
        firstAtS: z.number().min(0).default(300),
        intervalS: z.number().positive().default(300),
        /** A prompt not answered in this time is recorded as a timeout (a data point in itself). */
        timeoutS: z.number().positive().max(60).default(10)
      })
      .default({ isEnabled: true, firstAtS: 300, intervalS: 300, timeoutS: 10 })
  })
  .refine((s) => s.stimuli.every((b) => b.endS <= s.durationS), { message: 'a stimulus block ends after the drive', path: ['stimuli'] })
  .meta({ id: 'Scenario' })

export type Scenario = z.infer<typeof scenarioSchema>
export type ScenarioInput = z.input<typeof scenarioSchema>
export type StimulusBlock = Scenario['stimuli'][number]
export type RoadProfile = Scenario['road']['profile']

export const scenarioSummarySchema = z
  .object({ id: z.string(), name: z.string(), description: z.string(), durationS: z.number() })
  .meta({ id: 'ScenarioSummary' })
export type ScenarioSummary = z.infer<typeof scenarioSummarySchema>
