/**
 * Issue 23 item 12: a frame over `maxPayload` (close 1009) logged a stack trace at error level, so one
 * client could fill the error log. It is logged once per connection, at warn, without a stack.
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/station/config'
import { createLogger } from '../../../src/station/logger'
import { createStation, type Station } from '../../../src/station/station'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { makeTempDir } from '../../helpers/station'
import { waitUntil } from '../../helpers/wait'
import { sessionOf, TestClient, userWith } from '../../helpers/ws-client'

describe('oversized WebSocket frames in the log', () => {
  const lines: Record<string, unknown>[] = []
  let station: Station
  let owner: LoggedInUser

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>)
        done()
      }
    })
    const config = loadConfig({ env: {}, base: { dataDir: makeTempDir(), server: { port: 0, wsMaxPayloadBytes: 64 * 1024 }, device: { kind: 'none' }, log: { level: 'debug' }, consent: { required: false } } })
    station = createStation(config, { logger: createLogger('debug', sink) })
    await station.start()
    owner = await userWith(station.url, 'researcher')
  })
  afterAll(async () => {
    forgetStation(station.url)
    await station.stop()
  })

  it('closes with 1009 and logs one warning without a stack trace', async () => {
    const sessionId = await sessionOf(station.url, owner)
    const c = await TestClient.connect(station.url, `/ws/session/${sessionId}`, { token: owner.accessToken })
    await c.next('hello')
    c.ws.send('x'.repeat(200 * 1024))
    expect((await c.closed).code).toBe(1009)
    await waitUntil(() => lines.some((l) => /too big|max payload|maxPayload/i.test(String(l.msg))), { what: 'the log line of the oversized frame' })
    // A later request's line proves everything about the frame has been written.
    await fetch(`${station.url}/api/v1/health`)
    await waitUntil(() => lines.some((l) => String((l.req as { url?: string } | undefined)?.url ?? '').includes('/health')), { what: 'the health request line' })
    const about = lines.filter((l) => JSON.stringify(l).match(/Max payload size exceeded|too big/i))
    expect(about).toHaveLength(1)
    expect(about[0]).toMatchObject({ level: 40, maxPayloadBytes: 64 * 1024 })
    expect(JSON.stringify(about[0])).not.toMatch(/"stack"|\n\s+at /)
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([])
  })
})
