/**
 * The driving game in the renderer. `DrivingGame` is the participant's screen for /drive/:sessionId
 * (also exported as `DrivePage`); `DriveControl` is the operator's start/pause/end control for the
 * live view. The simulation itself is in ./sim, pure and DOM-free.
 */
export { DrivingGame, DrivingGame as DrivePage, type DrivingGameProps } from './DrivingGame'
export { DriveControl } from './DriveControl'
export { bundledScenarios, resolveScenario } from './scenarios'
