/**
 * Montage presets (pure data, the renderer reads them too). The Cyton rows are OpenBCI's default
 * Ultracortex Mark IV layouts, the same sites and order as the drivers' default channel names, so a
 * preset changes nothing until someone edits it; reference and ground are where the OpenBCI ear clips
 * go (SRB2 on the left earlobe, BIAS on the right). Edit any of them per session.
 */
import { STANDARD_CHANNEL_NAMES } from './headsets'

export interface MontagePreset {
  id: string
  label: string
  electrodes: { label: string; position: string | null }[]
  reference: string
  ground: string
}

const sites = (count: number) => STANDARD_CHANNEL_NAMES.slice(0, count).map((name) => ({ label: name, position: name }))

export const MONTAGE_PRESETS: readonly MontagePreset[] = [
  { id: 'cyton-8', label: 'Cyton 8 (Ultracortex Mark IV)', electrodes: sites(8), reference: 'left earlobe (SRB2)', ground: 'right earlobe (BIAS)' },
  { id: 'cyton-daisy-16', label: 'Cyton + Daisy 16 (Ultracortex Mark IV)', electrodes: sites(16), reference: 'left earlobe (SRB2)', ground: 'right earlobe (BIAS)' },
  {
    id: 'simulated-8',
    label: 'Simulated headset (8 channels)',
    electrodes: sites(8),
    reference: 'n/a (simulated signal)',
    ground: 'n/a (simulated signal)'
  },
  {
    id: 'cap-10-20-19',
    label: '10-20 cap, 19 channels',
    electrodes: ['Fp1', 'Fp2', 'F7', 'F3', 'Fz', 'F4', 'F8', 'T7', 'C3', 'Cz', 'C4', 'T8', 'P7', 'P3', 'Pz', 'P4', 'P8', 'O1', 'O2'].map((name) => ({ label: name, position: name })),
    reference: 'linked earlobes',
    ground: 'AFz'
  }
]

/** The preset a headset starts with: by kind and channel count, else the first `channelCount` standard sites. */
export function defaultMontagePreset(kind: string | null, channelCount: number): MontagePreset {
  const id = ({ cyton: 'cyton-8', 'cyton-daisy': 'cyton-daisy-16', simulated: 'simulated-8' } as Record<string, string>)[kind ?? '']
  const preset = MONTAGE_PRESETS.find((p) => p.id === id && p.electrodes.length === channelCount)
  if (preset) return preset
  const electrodes = Array.from({ length: channelCount }, (_, i) => {
    const name = STANDARD_CHANNEL_NAMES[i]
    return name ? { label: name, position: name } : { label: `Ch${i + 1}`, position: null }
  })
  return { id: `standard-${channelCount}`, label: `${channelCount} channels`, electrodes, reference: 'n/a', ground: 'n/a' }
}
