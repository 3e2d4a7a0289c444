/**
 * The driving game's simulation core: pure TypeScript, no DOM, no Node, fixed time step. Only the
 * renderer runs it; the station sees its output as game events (src/shared/game/events.ts). Imports
 * stay relative and nothing here may reach a .tsx file, because Node-side tests, benches and the
 * Playwright spec load this folder under the Node typecheck.
 */
export * from './prng'
export * from './road'
export * from './vehicle'
export * from './wind'
export * from './simulation'
export * from './replay'
