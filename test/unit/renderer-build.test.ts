import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { replaceWith } from '../../src/cli/renderer-build'

describe('swapping a fresh build into out/', () => {
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-build-swap-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('replaces the old folder whole and leaves nothing behind', () => {
    const target = join(dir, 'renderer')
    const next = join(dir, '.build-1', 'renderer')
    mkdirSync(join(target, 'assets'), { recursive: true })
    writeFileSync(join(target, 'index.html'), 'old')
    writeFileSync(join(target, 'assets', 'index-OLD.js'), '')
    mkdirSync(join(next, 'assets'), { recursive: true })
    writeFileSync(join(next, 'index.html'), 'new')
    writeFileSync(join(next, 'assets', 'index-NEW.js'), '')
    replaceWith(next, target)
    expect(readFileSync(join(target, 'index.html'), 'utf8')).toBe('new')
    expect(readdirSync(join(target, 'assets'))).toEqual(['index-NEW.js'])
    expect(existsSync(next)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.includes('.old-'))).toEqual([])
  })

  it('puts a first build in place', () => {
    const next = join(dir, '.build-2', 'main')
    mkdirSync(next, { recursive: true })
    writeFileSync(join(next, 'index.js'), 'main')
    replaceWith(next, join(dir, 'main'))
    expect(readFileSync(join(dir, 'main', 'index.js'), 'utf8')).toBe('main')
  })
})
