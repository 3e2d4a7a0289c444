import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeConfig, loadConfig, maskUrl, resolveUserPath } from '../../src/station/config'
import { VigilError } from '../../src/shared/errors'
import { makeTempDir } from '../helpers/station'

describe('loadConfig', () => {
  it('uses documented defaults: simulated headset on 127.0.0.1:8787', () => {
    const config = loadConfig({ env: { HOME: '/home/someone' } })
    expect(config.server.host).toBe('127.0.0.1')
    expect(config.server.port).toBe(8787)
    expect(config.device.kind).toBe('simulated')
    expect(config.device.simulated).toMatchObject({ channelCount: 8, sampleRateHz: 250 })
    expect(config.dataDir).toBe('/home/someone/.local/share/vigil')
  })

  it('applies defaults < file < env < argv', () => {
    const dir = makeTempDir()
    writeFileSync(join(dir, 'vigil.config.json'), JSON.stringify({ server: { port: 1111, host: '0.0.0.0' }, stationName: 'from-file' }))
    const fileOnly = loadConfig({ env: { VIGIL_DATA_DIR: dir } })
    expect(fileOnly.server.port).toBe(1111)
    expect(fileOnly.server.host).toBe('0.0.0.0')
    expect(fileOnly.stationName).toBe('from-file')
    const withEnv = loadConfig({ env: { VIGIL_DATA_DIR: dir, VIGIL_PORT: '2222' } })
    expect(withEnv.server.port).toBe(2222)
    expect(withEnv.server.host).toBe('0.0.0.0')
    const withArgv = loadConfig({ env: { VIGIL_DATA_DIR: dir, VIGIL_PORT: '2222' }, argv: { port: '3333' } })
    expect(withArgv.server.port).toBe(3333)
  })

  it('reads an explicit --config file and a device spec', () => {
    const dir = makeTempDir()
    const file = join(dir, 'lab.json')
    writeFileSync(file, JSON.stringify({ central: { url: 'postgres://u:secret@db/vigil' } }))
    const config = loadConfig({ env: {}, argv: { config: file, device: 'cyton:/dev/ttyUSB0', 'data-dir': dir } })
    expect(config.device).toMatchObject({ kind: 'cyton', path: '/dev/ttyUSB0' })
    expect(config.central.url).toBe('postgres://u:secret@db/vigil')
  })

  it('reports every problem at once', () => {
    let error: unknown
    try {
      loadConfig({ env: { VIGIL_PORT: 'eighty' }, argv: { device: 'thinkgear', 'sim-channels': '64', bogus: 'x', 'central-url': 'mysql://x' } })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(VigilError)
    const problems = (error as VigilError).details?.problems as string[]
    expect(problems.some((p) => p.includes('VIGIL_PORT'))).toBe(true)
    expect(problems.some((p) => p.includes('--bogus'))).toBe(true)
    expect(problems.some((p) => p.includes('channelCount'))).toBe(true)
    expect(problems.some((p) => p.includes('needs a serial port path'))).toBe(true)
    expect(problems.some((p) => p.includes('postgres://'))).toBe(true)
    expect(problems.length).toBeGreaterThanOrEqual(5)
  })

  it('resolves relative --data-dir, VIGIL_DATA_DIR and --config against INIT_CWD (where npm was run), else the working directory', () => {
    const userDir = makeTempDir()
    mkdirSync(join(userDir, 'data'))
    writeFileSync(join(userDir, 'lab.json'), JSON.stringify({ stationName: 'from-user-dir' }))
    const fromNpm = loadConfig({ env: { INIT_CWD: userDir }, argv: { 'data-dir': 'data', config: 'lab.json' } })
    expect(fromNpm.dataDir).toBe(join(userDir, 'data'))
    expect(fromNpm.stationName).toBe('from-user-dir')
    expect(loadConfig({ env: { INIT_CWD: userDir, VIGIL_DATA_DIR: './data' } }).dataDir).toBe(join(userDir, 'data'))
    expect(loadConfig({ env: { INIT_CWD: userDir }, argv: { 'data-dir': '/abs/vigil' } }).dataDir).toBe('/abs/vigil')
    expect(loadConfig({ env: {}, argv: { 'data-dir': 'data' } }).dataDir).toBe(join(process.cwd(), 'data'))
    expect(resolveUserPath('out/drive.bdf', { INIT_CWD: userDir })).toBe(join(userDir, 'out', 'drive.bdf'))
  })

  it('rejects a config file that is not JSON, naming the file', () => {
    const dir = makeTempDir()
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'vigil.config.json'), '{ port: ')
    expect(() => loadConfig({ env: { VIGIL_DATA_DIR: dir } })).toThrow(/vigil\.config\.json: not valid JSON/)
  })

  it('returns a frozen object and masks secrets for logging', () => {
    const config = loadConfig({ env: {}, argv: { 'central-url': 'postgres://vigil:hunter2@db.lab:5432/vigil' } })
    expect(Object.isFrozen(config.server)).toBe(true)
    expect(JSON.stringify(describeConfig(config))).not.toContain('hunter2')
    expect(maskUrl('postgres://vigil:hunter2@db.lab/vigil')).toBe('postgres://vigil:****@db.lab/vigil')
  })
})
