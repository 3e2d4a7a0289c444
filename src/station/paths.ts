/**
 * Locates the project's own files (migrations, package.json, the built renderer) by walking up from
 * this module, so the same code works from src/ under tsx and from out/ when bundled by electron-vite.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export function findUp(relative: string): string | null {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, relative)
    if (existsSync(candidate)) return candidate
    const parent = resolve(dir, '..')
    if (parent === dir) break
    dir = parent
  }
  return null
}

/** The repository / app root: the folder holding Vigil's package.json. */
export function appRoot(): string {
  const pkg = findUp('package.json')
  if (!pkg) throw new Error('package.json not found above the station code')
  return dirname(pkg)
}

export const VIGIL_VERSION: string = (() => {
  const pkg = findUp('package.json')
  return pkg ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version : '0.0.0'
})()
