/**
 * Electrode positions for BIDS `electrodes.tsv` / `coordsystem.json`: the standard 10-20 (10-10 names
 * included) template positions of MNE-Python's `standard_1020` montage, so the labels Vigil writes
 * (identical in the data file, channels.tsv and electrodes.tsv) get the positions
 * `raw.set_montage('standard_1020')` would give them. A measured montage, when the session has one,
 * belongs here too: look-ups go through `electrodePositionsFor`.
 *
 * Coordinates: MNE's head frame after fitting the template's fiducials, which is the BIDS "CapTrak"
 * convention (origin between the preauricular points, +x towards RPA, +y towards the nasion, +z up),
 * in metres, rounded to 0.1 mm. Generated with MNE 1.3.0 (Debian bookworm python3-mne):
 *   info = mne.create_info(montage.ch_names, 250., 'eeg'); info.set_montage(montage); info['chs'][i]['loc'][:3]
 * Fiducials in that frame: NAS (0, 0.114, 0), LPA (-0.0825, 0, 0), RPA (0.0825, 0, 0).
 */

export type Xyz = readonly [number, number, number]

export const TEMPLATE_FIDUCIALS_M = { NAS: [0, 0.114, 0], LPA: [-0.0825, 0, 0], RPA: [0.0825, 0, 0] } as const satisfies Record<string, Xyz>

/** MNE `standard_1020`, head frame, metres. */
export const STANDARD_1020_M: Readonly<Record<string, Xyz>> = {
  Fp1: [-0.0309, 0.1146, 0.0279],
  Fpz: [-0.0013, 0.1191, 0.0329],
  Fp2: [0.0284, 0.1153, 0.0277],
  AF9: [-0.0505, 0.0926, -0.0116],
  AF7: [-0.0564, 0.0992, 0.0251],
  AF5: [-0.0469, 0.1043, 0.0414],
  AF3: [-0.0352, 0.1091, 0.0564],
  AF1: [-0.0199, 0.1128, 0.0678],
  AFz: [-0.0012, 0.1137, 0.0704],
  AF2: [0.0183, 0.1131, 0.0678],
  AF4: [0.0342, 0.1098, 0.0571],
  AF6: [0.0451, 0.1050, 0.0414],
  AF8: [0.0542, 0.0998, 0.0249],
  AF10: [0.0489, 0.0920, -0.0119],
  F9: [-0.0717, 0.0701, -0.0126],
  F7: [-0.0719, 0.0731, 0.0258],
  F5: [-0.0661, 0.0802, 0.0538],
  F3: [-0.0518, 0.0867, 0.0787],
  F1: [-0.0290, 0.0914, 0.0966],
  Fz: [-0.0012, 0.0933, 0.1026],
  F2: [0.0280, 0.0919, 0.0958],
  F4: [0.0503, 0.0874, 0.0773],
  F6: [0.0663, 0.0815, 0.0531],
  F8: [0.0714, 0.0745, 0.0251],
  F10: [0.0705, 0.0700, -0.0132],
  FT9: [-0.0858, 0.0431, -0.0116],
  FT7: [-0.0825, 0.0448, 0.0277],
  FC5: [-0.0789, 0.0514, 0.0630],
  FC3: [-0.0619, 0.0571, 0.0938],
  FC1: [-0.0357, 0.0617, 0.1180],
  FCz: [-0.0013, 0.0635, 0.1266],
  FC2: [0.0331, 0.0618, 0.1168],
  FC4: [0.0606, 0.0577, 0.0938],
  FC6: [0.0778, 0.0521, 0.0629],
  FT8: [0.0801, 0.0456, 0.0274],
  FT10: [0.0824, 0.0423, -0.0117],
  T9: [-0.0877, 0.0129, -0.0077],
  T7: [-0.0860, 0.0149, 0.0312],
  C5: [-0.0821, 0.0193, 0.0695],
  C3: [-0.0671, 0.0234, 0.1045],
  C1: [-0.0379, 0.0263, 0.1298],
  Cz: [-0.0014, 0.0276, 0.1402],
  C2: [0.0359, 0.0264, 0.1284],
  C4: [0.0653, 0.0236, 0.1037],
  C6: [0.0817, 0.0197, 0.0695],
  T8: [0.0833, 0.0153, 0.0310],
  T10: [0.0837, 0.0117, -0.0077],
  TP9: [-0.0876, -0.0176, -0.0034],
  TP7: [-0.0868, -0.0150, 0.0352],
  CP5: [-0.0815, -0.0133, 0.0731],
  CP3: [-0.0655, -0.0119, 0.1078],
  CP1: [-0.0374, -0.0108, 0.1334],
  CPz: [-0.0015, -0.0105, 0.1415],
  CP2: [0.0365, -0.0109, 0.1328],
  CP4: [0.0647, -0.0120, 0.1077],
  CP6: [0.0814, -0.0135, 0.0734],
  TP8: [0.0836, -0.0151, 0.0351],
  TP10: [0.0842, -0.0188, -0.0035],
  P9: [-0.0750, -0.0446, 0.0028],
  P7: [-0.0745, -0.0421, 0.0413],
  P5: [-0.0693, -0.0432, 0.0723],
  P3: [-0.0550, -0.0442, 0.0999],
  P1: [-0.0307, -0.0449, 0.1195],
  Pz: [-0.0017, -0.0452, 0.1267],
  P2: [0.0299, -0.0450, 0.1207],
  P4: [0.0536, -0.0443, 0.1005],
  P6: [0.0659, -0.0433, 0.0719],
  P8: [0.0710, -0.0423, 0.0412],
  P10: [0.0719, -0.0458, 0.0027],
  PO9: [-0.0570, -0.0686, 0.0097],
  PO7: [-0.0569, -0.0659, 0.0479],
  PO5: [-0.0505, -0.0667, 0.0668],
  PO3: [-0.0386, -0.0674, 0.0824],
  PO1: [-0.0211, -0.0678, 0.0918],
  POz: [-0.0019, -0.0681, 0.0959],
  PO2: [0.0178, -0.0680, 0.0917],
  PO4: [0.0347, -0.0677, 0.0816],
  PO6: [0.0477, -0.0671, 0.0669],
  PO8: [0.0536, -0.0664, 0.0479],
  PO10: [0.0529, -0.0690, 0.0097],
  O1: [-0.0316, -0.0806, 0.0548],
  Oz: [-0.0021, -0.0828, 0.0607],
  O2: [0.0277, -0.0805, 0.0547],
  O9: [-0.0320, -0.0848, 0.0169],
  Iz: [-0.0022, -0.0886, 0.0233],
  O10: [0.0276, -0.0847, 0.0169],
  T3: [-0.0860, 0.0149, 0.0312],
  T5: [-0.0745, -0.0421, 0.0413],
  T4: [0.0833, 0.0153, 0.0310],
  T6: [0.0710, -0.0423, 0.0412],
  M1: [-0.0880, -0.0174, -0.0257],
  M2: [0.0839, -0.0180, -0.0258],
  A1: [-0.0879, 0.0026, -0.0269],
  A2: [0.0839, 0.0020, -0.0269],
}

/** 10-20 names are matched case-insensitively (FP1 = Fp1), as MNE's `match_case=False` does. */
const BY_LOWER_NAME = new Map(Object.entries(STANDARD_1020_M).map(([name, xyz]) => [name.toLowerCase(), xyz]))
const CANONICAL_NAME = new Map(Object.keys(STANDARD_1020_M).map((name) => [name.toLowerCase(), name]))

/** The template's spelling of a 10-20/10-10 site (`FP1` → `Fp1`), or null when it has no such site. */
export function standardPositionName(name: string): string | null {
  return CANONICAL_NAME.get(name.toLowerCase()) ?? null
}

export interface ElectrodePositions {
  /** BIDS `EEGCoordinateSystem`. */
  coordinateSystem: 'CapTrak'
  units: 'm'
  /** Where the positions come from, for `coordsystem.json`. */
  description: string
  /** Position of each channel, in channel order; null for a channel the template does not know. */
  positions: (Xyz | null)[]
}

/**
 * Template positions for the session's channels (by their montage site, else their label; null: off
 * the head); null when none of them is a 10-20 site.
 */
export function electrodePositionsFor(channelNames: readonly (string | null)[]): ElectrodePositions | null {
  const positions = channelNames.map((name) => (name === null ? null : (BY_LOWER_NAME.get(name.toLowerCase()) ?? null)))
  if (positions.every((p) => p === null)) return null
  return {
    coordinateSystem: 'CapTrak',
    units: 'm',
    description:
      "Template positions, not measured: MNE-Python's standard_1020 montage (10-20/10-10 names) in its head frame, whose axes are those of CapTrak (RAS; origin between the preauricular points, +x towards RPA, +y towards the nasion).",
    positions
  }
}
