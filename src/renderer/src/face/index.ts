/** Face tracking in the renderer: the Drive-page slot (wired in main.tsx) and the operator's camera panel. */
export { FaceCameraPanel } from './FaceCameraPanel'
export { FaceDriveSlot } from './FaceDriveSlot'
