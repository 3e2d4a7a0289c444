import { describe, expect, it } from 'vitest'
import { driveWireEventSchema, gameEventSchema } from '../../../src/shared/game/events'
import { ALERT_TYPES } from '../../../src/shared/schemas/fatigue'
import { HED_BY_TRIAL_TYPE } from '../../../src/station/export/hed-tags'

/**
 * Tags checked by hand against HED 8.3.0 (hed-standard/hed-schemas, HED8.3.0_Tag.tsv). A new tag must
 * be checked there and added here; hed-validator (not installed in this repository) is the real check.
 */
const CHECKED_HED_8_3_0_TAGS = new Set([
  'Agent-action', 'Participant-response', 'Incorrect-action', 'Correct-action', 'Miss', 'Sensory-event', 'Experimental-stimulus',
  'Visual-presentation', 'Instructional', 'Incidental', 'Lane', 'Car', 'Experiment-structure', 'Experiment-control', 'Blink',
  'Close-eyes', 'Yawn', 'Data-feature', 'Computed-prediction', 'Drowsy', 'Data-break-marker', 'Measurement-event'
])

describe('HED annotations of events.tsv trial types', () => {
  it('annotates every trial type Vigil writes: game events but the telemetry, face events, alerts, gaps and padding', () => {
    const gameKinds = [...gameEventSchema.options, ...driveWireEventSchema.options].map((o) => o.shape.kind.value as string).filter((k) => k !== 'state')
    const written = [...gameKinds, 'blink', 'eye_closure', 'yawn', ...ALERT_TYPES.map((t) => `alert_${t}`), 'impedance_check', 'impedance_override', 'BAD_data_gap', 'BAD_padding']
    expect(written.filter((t) => !(t in HED_BY_TRIAL_TYPE))).toEqual([])
  })

  it('uses only plain short-form tags checked against HED 8.3.0', () => {
    const tags = Object.values(HED_BY_TRIAL_TYPE).flatMap((hed) => hed.split(',').map((t) => t.trim()))
    expect(tags.filter((t) => !CHECKED_HED_8_3_0_TAGS.has(t))).toEqual([])
  })
})
