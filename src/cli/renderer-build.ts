/**
 * The station serves the built React app. `npm run station` builds it on first run and whenever a
 * renderer or shared source is newer than the build, so a fresh clone needs no separate build step.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtimeMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs)
  }
  return newest
}

export function rendererOutDir(root: string): string {
  return join(root, 'out', 'renderer')
}

export function ensureRendererBuilt(root: string, log: (line: string) => void = console.error): string {
  const out = rendererOutDir(root)
  const index = join(out, 'index.html')
  const sources = [join(root, 'src', 'renderer'), join(root, 'src', 'shared')].filter(existsSync)
  const config = join(root, 'electron.vite.config.ts')
  const stale =
    !existsSync(index) ||
    sources.some((dir) => newestMtimeMs(dir) > statSync(index).mtimeMs) ||
    (existsSync(config) && statSync(config).mtimeMs > statSync(index).mtimeMs)
  if (stale) {
    log('Building the user interface (electron-vite build)...')
    execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit'
    })
  }
  return out
}
