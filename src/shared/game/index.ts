/** The driving game's simulation core: pure TypeScript, no DOM, no Node, fixed time step. */
export * from './events'
export * from './prng'
export * from './road'
export * from './vehicle'
export * from './wind'
export * from './simulation'
export * from './replay'
export * from './scoring'
