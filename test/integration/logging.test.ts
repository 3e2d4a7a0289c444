import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/station/config'
import { createLogger } from '../../src/station/logger'
import { createStation, type Station } from '../../src/station/station'
import { makeTempDir } from '../helpers/station'
import { waitUntil } from '../helpers/wait'

describe('logs', () => {
  const lines: string[] = []
  let station: Station
  afterAll(() => station?.stop())

  it('never contain tokens from query strings, download links or Authorization headers, even at debug level', async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      }
    })
    const config = loadConfig({ env: {}, base: { dataDir: makeTempDir(), server: { port: 0 }, device: { kind: 'none' }, log: { level: 'debug' } } })
    station = createStation(config, { logger: createLogger('debug', sink) })
    await station.start()
    await fetch(`${station.url}/api/v1/health?token=SECRET-QUERY-TOKEN`, { headers: { authorization: 'Bearer SECRET-HEADER-TOKEN' } })
    await fetch(`${station.url}/api/v1/ws/monitor?access_token=SECRET-WS-TOKEN`)
    await fetch(`${station.url}/api/v1/downloads/SECRET-LINK-ID?x=1`)
    // The logger writes asynchronously: wait for the last request's line.
    await waitUntil(() => lines.join('').includes('/api/v1/downloads/'), { what: 'the log line of the download request' })
    const log = lines.join('')
    expect(log).toContain('/api/v1/health?token=[redacted]')
    expect(log).not.toContain('SECRET-QUERY-TOKEN')
    expect(log).not.toContain('SECRET-HEADER-TOKEN')
    expect(log).not.toContain('SECRET-WS-TOKEN')
    expect(log).toContain('/api/v1/downloads/[redacted]?x=1')
    expect(log).not.toContain('SECRET-LINK-ID')
  })
})
