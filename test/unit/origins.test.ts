import { networkInterfaces } from 'node:os'
import { describe, expect, it } from 'vitest'
import { stationHosts } from '../../src/station/server/origins'

describe('stationHosts', () => {
  it('is loopback plus the bound address when bound to one address', () => {
    expect(stationHosts('127.0.0.1')).toEqual(['127.0.0.1', 'localhost', '[::1]'])
    expect(stationHosts('192.0.2.7')).toEqual(['127.0.0.1', 'localhost', '[::1]', '192.0.2.7'])
    expect(stationHosts('2001:db8::7')).toContain('[2001:db8::7]')
  })

  it("includes every non-loopback address of this machine when bound to all interfaces, where remote browsers reach it", () => {
    const external = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => !a.internal && a.family === 'IPv4')
    const hosts = stationHosts('0.0.0.0')
    for (const a of external) expect(hosts).toContain(a.address)
    expect(stationHosts('::')).toEqual(hosts)
  })
})
