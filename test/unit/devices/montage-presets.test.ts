import { describe, expect, it } from 'vitest'
import { HEADSETS } from '../../../src/shared/headsets'
import { defaultMontagePreset, MONTAGE_PRESETS } from '../../../src/shared/montage-presets'
import { montageInputSchema } from '../../../src/shared/schemas/montage'
import { standardPositionName } from '../../../src/station/export/electrode-positions'

describe('montage presets', () => {
  it('start Cyton, Cyton + Daisy and the simulated headset with the drivers’ own channel names, so a preset changes no label', () => {
    expect(defaultMontagePreset('cyton', 8).electrodes.map((e) => e.label)).toEqual([...HEADSETS.cyton.channelNames])
    expect(defaultMontagePreset('cyton-daisy', 16).electrodes.map((e) => e.label)).toEqual([...HEADSETS['cyton-daisy'].channelNames])
    expect(defaultMontagePreset('simulated', 8).id).toBe('simulated-8')
    expect(defaultMontagePreset('cyton', 8)).toMatchObject({ id: 'cyton-8', reference: 'left earlobe (SRB2)', ground: 'right earlobe (BIAS)' })
  })

  it('falls back to the standard names, then Ch<n> off the head, for any other channel count', () => {
    const wide = defaultMontagePreset('lsl', 34)
    expect(wide.electrodes).toHaveLength(34)
    expect(wide.electrodes.slice(32)).toEqual([{ label: 'Ch33', position: null }, { label: 'Ch34', position: null }])
    expect(defaultMontagePreset('simulated', 4).electrodes.map((e) => e.label)).toEqual(['Fp1', 'Fp2', 'C3', 'C4'])
  })

  it('only uses sites the position template knows, and every preset is a valid montage', () => {
    for (const preset of MONTAGE_PRESETS) {
      for (const e of preset.electrodes) if (e.position !== null) expect(standardPositionName(e.position), `${preset.id} ${e.position}`).toBe(e.position)
      expect(montageInputSchema.safeParse({ preset: preset.id, electrodes: preset.electrodes, reference: preset.reference, ground: preset.ground }).success, preset.id).toBe(true)
    }
  })
})
