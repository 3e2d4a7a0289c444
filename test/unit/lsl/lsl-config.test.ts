import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/station/config'
import { parseArgs } from '../../../src/cli/args'

describe('LSL configuration', () => {
  it('is off by default and turned on by --lsl or VIGIL_LSL, with liblsl’s network defaults', () => {
    const off = loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x' } })
    expect(off.lsl).toEqual({ enabled: false, resolveScope: 'site', knownPeers: [], sessionId: 'default', listenAddress: '0.0.0.0', multicastPort: 16571, basePort: 16572, portRange: 32 })
    expect(loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x', VIGIL_LSL: '1' } }).lsl.enabled).toBe(true)
    // `--lsl` takes no value: the device spec after it stays the device.
    const args = parseArgs(['--lsl', "--device", "lsl:type='EEG'"])
    const on = loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x' }, argv: args.flags })
    expect(on.lsl.enabled).toBe(true)
    expect(on.device).toMatchObject({ kind: 'lsl', path: "type='EEG'" })
    expect(loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x' }, argv: { 'lsl-known-peers': 'amp-pc.lab, 10.0.0.7' } }).lsl.knownPeers).toEqual(['amp-pc.lab', '10.0.0.7'])
  })

  it('says what is wrong with an LSL device spec', () => {
    expect(() => loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x' }, argv: { device: 'lsl' } })).toThrow(/needs a stream predicate/)
    expect(() => loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x' }, argv: { device: "lsl:type='EEG' and" } })).toThrow(/predicate .* is not valid: the query ends too early/)
    expect(() => loadConfig({ env: { VIGIL_DATA_DIR: '/tmp/x' }, argv: { 'lsl-scope': 'galaxy' } })).toThrow(/lsl.resolveScope/)
  })
})
