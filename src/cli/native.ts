/**
 * better-sqlite3 is a native module compiled for one runtime ABI: plain Node (CLI, tests) or Electron
 * (the desktop app). When the build on disk belongs to the other runtime, rebuild it for this one
 * instead of failing with NODE_MODULE_VERSION errors. `npm start` does the reverse for Electron.
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export function nativeModuleError(): string | null {
  try {
    const Database = require('better-sqlite3') as new (file: string) => { close(): void }
    new Database(':memory:').close()
    return null
  } catch (err) {
    return (err as Error).message
  }
}

/** Makes sure better-sqlite3 loads in this Node; rebuilds it once if it was built for another ABI. */
export function ensureNativeModules(log: (line: string) => void = console.error): void {
  const problem = nativeModuleError()
  if (!problem) return
  if (!/NODE_MODULE_VERSION|was compiled against a different Node.js version|Could not locate the bindings file/.test(problem)) {
    throw new Error(`better-sqlite3 cannot load: ${problem}`)
  }
  log(`better-sqlite3 was built for another runtime; rebuilding it for Node ${process.versions.node} (about a minute)...`)
  execFileSync('npm', ['rebuild', 'better-sqlite3'], { stdio: 'inherit', env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' } })
  const after = nativeModuleError()
  if (after) throw new Error(`better-sqlite3 still cannot load after rebuilding: ${after}`)
}
