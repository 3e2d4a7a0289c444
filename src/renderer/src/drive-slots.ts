/**
 * Mount points on the participant's Drive page (/drive/:sessionId), filled by the features that own
 * them: the driving game (src/renderer/src/game) sets `game`, the face tracker (src/renderer/src/face)
 * sets `face`. An empty slot shows a plain "not available in this build" note, never a fake.
 */
import type { ComponentType } from 'react'

export interface DriveSlotProps {
  sessionId: string
}

export const driveSlots: { game: ComponentType<DriveSlotProps> | null; face: ComponentType<DriveSlotProps> | null } = {
  game: null,
  face: null
}
