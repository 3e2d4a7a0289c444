import { describe, expect, it } from 'vitest'
import { buildBidsLayout, filterCutoffsOf, type LabInfo } from '../../../src/station/export/bids-writer'
import type { ExportDevice } from '../../../src/station/export/session-reader'

function eegJson(device: Partial<ExportDevice> & { kind: string }, lab?: LabInfo): Record<string, unknown> {
  const layout = buildBidsLayout({
    info: {
      id: 's1',
      name: 'drive',
      participantCode: 'P07',
      stationId: 'st',
      status: 'ended',
      notes: '',
      startedAt: null,
      endedAt: null,
      createdAt: '2026-12-04T10:00:00.000Z',
      createdBy: 'u1',
      device: { port: null, channelNames: ['Fp1'], sampleRateHz: 250, reference: null, prefiltering: null, model: null, ...device },
      participantSessionNumber: 1
    },
    eegFormat: 'bdf',
    sampleRateHz: 250,
    recordingDurationS: 1,
    isDiscontinuous: false,
    firstTimestampMs: Date.UTC(2026, 11, 4, 10),
    events: [],
    hasFatigue: false,
    powerLineHz: 50,
    vigilVersion: '9.9.9',
    lab
  })
  const file = layout.files.find((f) => f.path.endsWith('_eeg.json'))
  return JSON.parse(file!.text) as Record<string, unknown>
}

describe('BIDS device fields from the headset table', () => {
  it('names the maker and, without a stored model, the short model of known kinds', () => {
    expect(eegJson({ kind: 'cyton-daisy' })).toMatchObject({ Manufacturer: 'OpenBCI', ManufacturersModelName: 'Cyton + Daisy' })
    expect(eegJson({ kind: 'thinkgear', model: 'NeuroSky ThinkGear (MindWave / TGAM)' })).toMatchObject({ Manufacturer: 'NeuroSky', ManufacturersModelName: 'NeuroSky ThinkGear (MindWave / TGAM)' })
  })

  it('leaves the maker n/a for line-protocol boards and kinds it does not know', () => {
    expect(eegJson({ kind: 'lines' })).toMatchObject({ Manufacturer: 'n/a', ManufacturersModelName: 'lines' })
    expect(eegJson({ kind: 'retired-kind' })).toMatchObject({ Manufacturer: 'n/a', ManufacturersModelName: 'retired-kind' })
  })
})

describe('channels.tsv filter columns', () => {
  it('reads cut-offs from an EDF-style prefiltering text and leaves them n/a (empty here) otherwise', () => {
    expect(filterCutoffsOf('HP:0.1Hz LP:70Hz N:50Hz')).toEqual({ lowCutoff: '0.1', highCutoff: '70', notch: '50' })
    expect(filterCutoffsOf('LP: 131 Hz')).toEqual({ lowCutoff: '', highCutoff: '131', notch: '' })
    expect(filterCutoffsOf(null)).toEqual({ lowCutoff: '', highCutoff: '', notch: '' })
    expect(filterCutoffsOf('None')).toEqual({ lowCutoff: '', highCutoff: '', notch: '' })
  })
})

describe('recommended _eeg.json fields from the station config', () => {
  it('writes institution, cap and ground when the lab set them, and leaves them out otherwise', () => {
    const lab = { institutionName: 'Sleep Lab', institutionAddress: '1 Main St', institutionalDepartmentName: 'Psychology', capManufacturer: 'OpenBCI', capModel: 'Ultracortex Mark IV', eegGround: 'AFz' }
    expect(eegJson({ kind: 'cyton' }, lab)).toMatchObject({
      InstitutionName: 'Sleep Lab',
      InstitutionAddress: '1 Main St',
      InstitutionalDepartmentName: 'Psychology',
      CapManufacturer: 'OpenBCI',
      CapManufacturersModelName: 'Ultracortex Mark IV',
      EEGGround: 'AFz'
    })
    const bare = eegJson({ kind: 'cyton' })
    for (const key of ['InstitutionName', 'CapManufacturer', 'EEGGround']) expect(bare).not.toHaveProperty(key)
  })
})
