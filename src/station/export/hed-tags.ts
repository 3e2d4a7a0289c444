/**
 * HED annotations (Hierarchical Event Descriptors, standard schema 8.3.0) for every `trial_type` Vigil
 * writes, as the `HED` map of `events.json`'s `trial_type` column. Short-form tags only, no values or
 * definitions, each checked by hand to exist in HED 8.3.0 (hed-schemas HED8.3.0_Tag.tsv); not yet run
 * through hed-validator (docs/export.md). Marker labels are the operator's own and get no HED.
 */
import { ALERT_TYPES } from '../../shared/schemas/fatigue'

export const HED_VERSION = '8.3.0'

const PARTICIPANT_RESPONSE = 'Agent-action, Participant-response'
const CONTROL = 'Experiment-control'
const GAP = 'Data-feature, Data-break-marker'

export const HED_BY_TRIAL_TYPE: Readonly<Record<string, string>> = {
  // Driving game: PVT stimuli and responses, KSS prompts, lane keeping, run control.
  stimulus_shown: 'Sensory-event, Experimental-stimulus, Visual-presentation',
  response: PARTICIPANT_RESPONSE,
  false_start: `${PARTICIPANT_RESPONSE}, Incorrect-action`,
  stimulus_missed: `${PARTICIPANT_RESPONSE}, Miss`,
  kss_prompt: 'Sensory-event, Instructional, Visual-presentation',
  kss_answer: PARTICIPANT_RESPONSE,
  kss_timeout: `${PARTICIPANT_RESPONSE}, Miss`,
  lane_departure: 'Agent-action, Incorrect-action, Lane',
  lane_return: 'Agent-action, Correct-action, Lane',
  collision: 'Agent-action, Incorrect-action, Car',
  started: 'Experiment-structure',
  ended: 'Experiment-structure',
  paused: CONTROL,
  resumed: CONTROL,
  drive_command: CONTROL,
  drive_ready: CONTROL,
  drive_inputs: CONTROL,
  // Face tracking (a blink is shorter than 500 ms; src/shared/eye-closure.ts).
  blink: 'Agent-action, Incidental, Blink',
  eye_closure: 'Agent-action, Incidental, Close-eyes',
  yawn: 'Agent-action, Incidental, Yawn',
  // Fatigue alerts: the engine's estimate, not a stimulus.
  ...Object.fromEntries(ALERT_TYPES.map((type) => [`alert_${type}`, 'Data-feature, Computed-prediction, Drowsy'])),
  // Stretches of the data file that hold no recorded samples.
  // An instrument's measurement; recording despite bad electrodes is a decision about the experiment.
  impedance_check: 'Measurement-event',
  impedance_override: CONTROL,
  BAD_data_gap: GAP,
  BAD_padding: GAP
}
