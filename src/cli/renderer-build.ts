/**
 * The station serves the built React app. `npm run station` builds it on first run and whenever a
 * renderer or shared source is newer than the build, so a fresh clone needs no separate build step.
 * The build goes to a scratch folder and replaces `out/` part by part with renames, so a station
 * already running from `out/renderer` never serves a half-written build.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
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
    const scratch = join(root, 'out', `.build-${process.pid}`)
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn', '--outDir', scratch], {
        cwd: root,
        stdio: 'inherit'
      })
      for (const part of readdirSync(scratch)) replaceWith(join(scratch, part), join(root, 'out', part))
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  }
  return out
}

/** Puts `next` where `target` is with two renames: readers see the old folder (for a moment none) or the new one, never a half-written one. */
export function replaceWith(next: string, target: string): void {
  const old = `${target}.old-${process.pid}`
  if (existsSync(target)) renameSync(target, old)
  renameSync(next, target)
  rmSync(old, { recursive: true, force: true })
}
