/**
 * BIDS-EEG export: one session as a small BIDS dataset (BIDS 1.10, EEG modality), zipped.
 *
 *   <root>/dataset_description.json, README, participants.tsv
 *   <root>/sub-<p>/ses-<n>/sub-<p>_ses-<n>_scans.tsv
 *   <root>/sub-<p>/ses-<n>/eeg/sub-<p>_ses-<n>_task-driving_{eeg.bdf|eeg.edf, eeg.json, channels.tsv, events.tsv, events.json}
 *   <root>/sub-<p>/ses-<n>/eeg/sub-<p>_ses-<n>_{electrodes.tsv, coordsystem.json}   (when a channel is a 10-20 site)
 *   <root>/derivatives/vigil/dataset_description.json, sub-<p>/ses-<n>/eeg/..._desc-fatigue_timeseries.{tsv,json}
 *
 * The fatigue updates are computed results, not recordings, hence a derivative dataset (only when the
 * session has any). The sidecars are built by a pure function (golden-tested); the EEG file and the
 * fatigue table are streamed in by the caller.
 * Labels must be alphanumeric in BIDS, so the participant code loses any other character.
 */
import { VigilError } from '../../shared/errors'
import { headsetOf } from '../../shared/headsets'
import { formatDecimal, type PlacedEvent } from './csv-writer'
import { electrodePositionsFor, TEMPLATE_FIDUCIALS_M } from './electrode-positions'
import { HED_BY_TRIAL_TYPE, HED_VERSION } from './hed-tags'
import { fatigueTsvSidecar } from './fatigue-table'
import { electrodeImpedanceDescription, type ElectrodeImpedanceColumn } from './impedance-export'
import type { ExportSessionInfo } from './session-reader'

export const BIDS_VERSION = '1.10.0'
export const BIDS_TASK = 'driving'

export interface BidsInput {
  info: ExportSessionInfo
  eegFormat: 'bdf' | 'edf'
  sampleRateHz: number
  /** Length of the time axis (gaps included), in seconds. */
  recordingDurationS: number
  isDiscontinuous: boolean
  /** UTC epoch ms of the first sample. */
  firstTimestampMs: number
  events: PlacedEvent[]
  /** Whether the session has fatigue updates: they go to derivatives/vigil/. */
  hasFatigue: boolean
  powerLineHz: number
  vigilVersion: string
  lab?: LabInfo
  /** Dates shifted, ages binned, free text dropped (deidentify.ts): said in the README and dataset description. */
  isDeidentified?: boolean
  /** The impedance check for electrodes.tsv (impedance-export.ts); null or absent: no column. */
  electrodeImpedance?: ElectrodeImpedanceColumn | null
}

/** Station config `lab`: recommended `_eeg.json` fields; unset ones are left out. */
export interface LabInfo {
  institutionName?: string
  institutionAddress?: string
  institutionalDepartmentName?: string
  capManufacturer?: string
  capModel?: string
  eegGround?: string
}

export interface BidsLayout {
  /** The dataset's folder inside the zip. */
  root: string
  /** Path of the EEG data file inside the zip. */
  eegPath: string
  /** Path of the fatigue table inside the zip, null when the session has none. */
  fatiguePath: string | null
  /** Every sidecar, path inside the zip → content. */
  files: { path: string; text: string }[]
}

export function bidsLabel(value: string, what: string): string {
  const label = value.replace(/[^A-Za-z0-9]/g, '')
  if (label === '') throw new VigilError('BAD_REQUEST', `the ${what} "${value}" has no letters or digits to make a BIDS label from`)
  return label
}

const TEN_TWENTY = /^(Fp|AF|F|FC|FT|C|CP|TP|T|P|PO|O|I|A|M)(z|\d{1,2})$/

function tsvCell(value: string): string {
  return value === '' ? 'n/a' : value.replace(/[\t\r\n]+/g, ' ')
}

function tsv(header: string[], rows: string[][]): string {
  return `${[header, ...rows].map((r) => r.map(tsvCell).join('\t')).join('\n')}\n`
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/**
 * Cut-offs from an EDF-style prefiltering text ("HP:0.1Hz LP:70Hz N:50Hz"), for channels.tsv; n/a when
 * the device stored none (Vigil itself writes raw values, so there is no software filter to report).
 */
export function filterCutoffsOf(prefiltering: string | null): { lowCutoff: string; highCutoff: string; notch: string } {
  const hz = (key: string) => {
    const match = prefiltering?.match(new RegExp(`\\b${key}:\\s*([0-9]+(?:\\.[0-9]+)?)\\s*Hz`, 'i'))
    return match ? String(Number(match[1])) : ''
  }
  return { lowCutoff: hz('HP'), highCutoff: hz('LP'), notch: hz('N') }
}

export function buildBidsLayout(input: BidsInput): BidsLayout {
  const { info } = input
  const sub = `sub-${bidsLabel(info.participantCode, 'participant code')}`
  const ses = `ses-${info.participantSessionNumber}`
  const root = `vigil_${sub}_${ses}`
  const stem = `${sub}_${ses}_task-${BIDS_TASK}`
  const eegDir = `${root}/${sub}/${ses}/eeg`
  const eegFile = `${stem}_eeg.${input.eegFormat}`
  const device = info.device
  const headset = headsetOf(device.kind)
  const channels = device.channelNames

  const eegJson: Record<string, unknown> = {
    TaskName: BIDS_TASK,
    TaskDescription: 'Simulated driving with reaction-time stimuli, lane keeping and Karolinska Sleepiness Scale prompts, recorded with Vigil.',
    SamplingFrequency: input.sampleRateHz,
    EEGReference: device.reference ?? 'n/a',
    PowerLineFrequency: input.powerLineHz,
    SoftwareFilters: 'n/a',
    HardwareFilters: device.prefiltering ?? 'n/a',
    Manufacturer: headset?.manufacturer ?? 'n/a',
    ManufacturersModelName: device.model ?? headset?.shortModel ?? device.kind,
    SoftwareVersions: `Vigil ${input.vigilVersion}`,
    EEGChannelCount: channels.length,
    EOGChannelCount: 0,
    ECGChannelCount: 0,
    EMGChannelCount: 0,
    MiscChannelCount: 0,
    TriggerChannelCount: 0,
    RecordingDuration: Math.round(input.recordingDurationS * 1000) / 1000,
    RecordingType: input.isDiscontinuous ? 'discontinuous' : 'continuous'
  }
  if ((device.positions ?? channels).every((c) => c !== null && TEN_TWENTY.test(c))) eegJson.EEGPlacementScheme = '10-20'
  const lab = input.lab ?? {}
  const recommended: [string, string | undefined][] = [
    ['InstitutionName', lab.institutionName],
    ['InstitutionAddress', lab.institutionAddress],
    ['InstitutionalDepartmentName', lab.institutionalDepartmentName],
    ['CapManufacturer', lab.capManufacturer],
    ['CapManufacturersModelName', lab.capModel],
    ['EEGGround', device.ground ?? lab.eegGround]
  ]
  for (const [key, value] of recommended) if (value) eegJson[key] = value

  const cutoffs = filterCutoffsOf(device.prefiltering)
  const lastSample = Math.round(input.recordingDurationS * input.sampleRateHz)
  const eventRows = input.events.map((e) => {
    const sample = Math.round(e.onsetS * input.sampleRateHz)
    return [
      formatDecimal(e.onsetS, 6),
      formatDecimal(e.durationS, 6),
      sample >= 0 && sample < lastSample ? String(sample) : '',
      e.trialType,
      e.value ?? '',
      e.responseTimeS !== undefined ? formatDecimal(e.responseTimeS, 6) : '',
      e.source
    ]
  })

  const deidentifiedNote = input.isDeidentified
    ? 'De-identified: every date and time is shifted by one secret offset of whole weeks (time of day, weekday and durations are kept), ages above 89 are given as 89, free-text notes are left out.'
    : null
  const demographics = info.participant
  const files = [
    {
      path: `${root}/dataset_description.json`,
      text: json({
        Name: `Vigil session ${info.name}`,
        BIDSVersion: BIDS_VERSION,
        HEDVersion: HED_VERSION,
        DatasetType: 'raw',
        GeneratedBy: [
          {
            Name: 'Vigil',
            Version: input.vigilVersion,
            Description: deidentifiedNote ? `de-identified export of a station session. ${deidentifiedNote}` : `export of station session ${info.id}`
          }
        ]
      })
    },
    {
      path: `${root}/README`,
      text:
        `Vigil driver-fatigue recording, exported from station session ${info.id}.\nOne participant (${sub}), one session (${ses}), task "${BIDS_TASK}".\n` +
        'EEG in microvolts; events from markers, the driving game, face tracking (blinks, eye closures, yawns), fatigue alerts and headset gaps.\n' +
        (input.hasFatigue ? 'The live fatigue estimates (about 1 Hz) are in derivatives/vigil/.\n' : '') +
        (deidentifiedNote ? `${deidentifiedNote}\n` : '')
    },
    demographics
      ? {
          path: `${root}/participants.tsv`,
          text: tsv(['participant_id', 'age', 'sex', 'handedness'], [[sub, demographics.age === null ? '' : String(demographics.age), demographics.sex ?? '', demographics.handedness ?? '']])
        }
      : { path: `${root}/participants.tsv`, text: tsv(['participant_id'], [[sub]]) },
    ...(demographics
      ? [
          {
            path: `${root}/participants.json`,
            text: json({
              age: { Description: 'Age at consent; 89 stands for 89 or older.', Units: 'year' },
              sex: { Description: 'Sex as recorded with consent.', Levels: { female: 'female', male: 'male', other: 'other' } },
              handedness: { Description: 'Handedness as recorded with consent.', Levels: { left: 'left', right: 'right', ambidextrous: 'ambidextrous' } }
            })
          }
        ]
      : []),
    {
      path: `${root}/${sub}/${ses}/${sub}_${ses}_scans.tsv`,
      text: tsv(['filename', 'acq_time'], [[`eeg/${eegFile}`, new Date(input.firstTimestampMs).toISOString()]])
    },
    { path: `${eegDir}/${stem}_eeg.json`, text: json(eegJson) },
    {
      path: `${eegDir}/${stem}_channels.tsv`,
      // Names exactly as the data file's signal labels (MNE-BIDS refuses a mismatch).
      text: tsv(
        ['name', 'type', 'units', 'low_cutoff', 'high_cutoff', 'notch', 'reference', 'status'],
        channels.map((c) => [c, 'EEG', 'uV', cutoffs.lowCutoff, cutoffs.highCutoff, cutoffs.notch, device.reference ?? '', 'good'])
      )
    },
    { path: `${eegDir}/${stem}_events.tsv`, text: tsv(['onset', 'duration', 'sample', 'trial_type', 'value', 'response_time', 'source'], eventRows) },
    {
      path: `${eegDir}/${stem}_events.json`,
      text: json({
        sample: { Description: 'Onset as a sample index of the EEG file (0 = first sample); n/a outside the recording.' },
        trial_type: {
          Description:
            'Marker label, driving-game event kind, blink / eye_closure / yawn from face tracking (duration = how long it lasted; a blink is a closure shorter than 500 ms), alert_<type> for a fatigue alert, BAD_data_gap for a stretch without EEG (headset drop, reconnect or recording pause, filled with 0 uV in the data file), or BAD_padding for the 0 uV that complete the data file\'s last record after the last sample.',
          HED: HED_BY_TRIAL_TYPE
        },
        value: {
          Description:
            'Marker value, the main value of a game event (e.g. KSS answer, reaction time in ms, side), microsleep_candidate for an eye closure of 1 s or more, or alert severity.'
        },
        response_time: {
          Description:
            'Reaction time of a PVT response (trial_type response): from the stimulus to the brake or key press, measured from the painted frame when the browser could, else by the driving simulation; n/a for other events.',
          Units: 's'
        },
        source: {
          Description: 'Where the event comes from.',
          Levels: {
            marker: 'operator or API marker',
            game: 'driving simulation',
            face: 'camera face tracking',
            alert: 'fatigue alert',
            gap: 'stretch without EEG samples',
            impedance: 'electrode impedance check, or recording despite a failed one',
            padding: 'end of the data file after the last sample'
          }
        }
      })
    }
  ]
  const electrodes = electrodePositionsFor(device.positions ?? channels)
  if (electrodes) {
    // No task entity: positions belong to the session's cap, whatever the task.
    const electrodeStem = `${eegDir}/${sub}_${ses}`
    const impedance = input.electrodeImpedance ?? null
    files.push(
      {
        path: `${electrodeStem}_electrodes.tsv`,
        text: tsv(
          ['name', 'x', 'y', 'z', ...(impedance ? ['impedance'] : [])],
          channels.map((c, i) => {
            const xyz = electrodes.positions[i]
            const row = [c, ...(xyz ? xyz.map((v) => formatDecimal(v, 4)) : ['', '', ''])]
            if (impedance) row.push(impedance.kohmByChannel[i] === null ? '' : formatDecimal(impedance.kohmByChannel[i], 1))
            return row
          })
        )
      },
      ...(impedance
        ? [
            {
              path: `${electrodeStem}_electrodes.json`,
              text: json({ impedance: { Description: electrodeImpedanceDescription(impedance), Units: 'kOhm' } })
            }
          ]
        : []),
      {
        path: `${electrodeStem}_coordsystem.json`,
        text: json({
          EEGCoordinateSystem: electrodes.coordinateSystem,
          EEGCoordinateUnits: electrodes.units,
          EEGCoordinateSystemDescription: electrodes.description,
          AnatomicalLandmarkCoordinates: TEMPLATE_FIDUCIALS_M,
          AnatomicalLandmarkCoordinateSystem: electrodes.coordinateSystem,
          AnatomicalLandmarkCoordinateUnits: electrodes.units
        })
      }
    )
  }
  let fatiguePath: string | null = null
  if (input.hasFatigue) {
    const derivative = `${root}/derivatives/vigil`
    const fatigueStem = `${derivative}/${sub}/${ses}/eeg/${stem}_desc-fatigue_timeseries`
    fatiguePath = `${fatigueStem}.tsv`
    files.push(
      {
        path: `${derivative}/dataset_description.json`,
        text: json({
          Name: `Vigil fatigue estimates for session ${info.name}`,
          BIDSVersion: BIDS_VERSION,
          DatasetType: 'derivative',
          GeneratedBy: [
            { Name: 'Vigil', Version: input.vigilVersion, Description: deidentifiedNote ? `live fatigue engine output. ${deidentifiedNote}` : `live fatigue engine output of station session ${info.id}` }
          ]
        })
      },
      { path: `${fatigueStem}.json`, text: json(fatigueTsvSidecar()) }
    )
  }
  return { root, eegPath: `${eegDir}/${eegFile}`, fatiguePath, files }
}
