/**
 * `npm start`: runs the desktop app. Electron needs better-sqlite3 compiled for its own ABI, so the
 * native module is rebuilt for Electron first (and `npm run station` rebuilds it back for Node when
 * needed, see native.ts). Where Electron's binary is not installed, it says so and names the headless
 * command instead of printing a stack trace.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { appRoot } from '../station'
import { ensureRendererBuilt } from './renderer-build'

const require = createRequire(import.meta.url)

function electronBinary(): string | null {
  try {
    const pkgDir = join(require.resolve('electron/package.json'), '..')
    const pathFile = join(pkgDir, 'path.txt')
    if (!existsSync(pathFile)) return null
    const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(binary) ? binary : null
  } catch {
    return null
  }
}

function main(): number {
  const binary = electronBinary()
  if (!binary) {
    process.stderr.write(
      `Electron's binary is not installed on this machine, so the desktop window cannot open.\n` +
        `Everything else works headless: run\n\n    npm run station\n\n` +
        `and open http://127.0.0.1:8787 in a browser (Chromium, Firefox, ...). See README.md, "Desktop app".\n`
    )
    return 1
  }
  const root = appRoot()
  ensureRendererBuilt(root)
  const electronVersion = (require('electron/package.json') as { version: string }).version
  process.stderr.write(`Preparing better-sqlite3 for Electron ${electronVersion}...\n`)
  execFileSync('npm', ['rebuild', 'better-sqlite3', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'], {
    cwd: root,
    stdio: 'inherit'
  })
  const child = spawn(binary, [join(root, 'out', 'main', 'index.js')], { stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
  return 0
}

const code = main()
if (code !== 0) process.exit(code)
