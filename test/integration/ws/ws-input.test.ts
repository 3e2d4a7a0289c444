import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../src/shared/protocol/close-codes'
import { PROTOCOL_VERSION } from '../../../src/shared/protocol/common'
import { encodeEegFrame } from '../../../src/shared/protocol/eeg-frame'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { eegBatch, sessionOf, setStatus, TestClient, userWith } from '../../helpers/ws-client'

describe('session stream: malformed input, permissions and abuse', () => {
  let t: TestStation
  let owner: LoggedInUser
  let sessionId: string

  beforeAll(async () => {
    t = await startTestStation({ server: { wsMaxPayloadBytes: 64 * 1024 } })
    owner = await userWith(t.baseUrl, 'researcher')
    sessionId = await sessionOf(t.baseUrl, owner)
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  async function producer(): Promise<TestClient> {
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken })
    await c.next('hello')
    return c
  }

  const now = Date.now()
  const cases: { name: string; send: string | Buffer; code: string; message: RegExp }[] = [
    { name: 'invalid JSON', send: '{"type": "ping"', code: 'VALIDATION_FAILED', message: /^Invalid JSON/ },
    { name: 'a truncated binary frame', send: Buffer.from([1, 2, 3]), code: 'VALIDATION_FAILED', message: /shorter than its 8-byte preamble/ },
    { name: 'a binary frame with a foreign magic', send: Buffer.from('PNG\u0000\u0000\u0000\u0000\u0000'), code: 'VALIDATION_FAILED', message: /expected "VGE1"/ },
    {
      name: 'a binary frame whose length disagrees with its header',
      send: Buffer.from(encodeEegFrame({ seq: 1, firstSampleSeq: 0 }, [now, now + 4], [1, 2, 3, 4], 2)).subarray(0, -4),
      code: 'VALIDATION_FAILED',
      message: /2 samples × 2 channels need/
    },
    {
      name: 'a binary frame with a NaN sample',
      send: Buffer.from(encodeEegFrame({ seq: 1, firstSampleSeq: 0 }, [now], [Number.NaN], 1)),
      code: 'VALIDATION_FAILED',
      message: /samplesUv\[0\]\[0\] is NaN/
    },
    { name: 'JSON that is not an object', send: '42', code: 'VALIDATION_FAILED', message: /no "type"/ },
    { name: 'no type', send: JSON.stringify({ seq: 1 }), code: 'VALIDATION_FAILED', message: /no "type"/ },
    { name: 'an unknown type', send: JSON.stringify({ type: 'eeg.sample', seq: 1 }), code: 'VALIDATION_FAILED', message: /Invalid eeg\.sample: type/ },
    { name: 'an unsupported protocol version', send: JSON.stringify({ type: 'ping', v: PROTOCOL_VERSION + 1 }), code: 'VALIDATION_FAILED', message: /Invalid ping: v/ },
    { name: 'EEG rows and timestamps that disagree', send: JSON.stringify({ ...eegBatch(1, 0, 3), tMs: [now] }), code: 'VALIDATION_FAILED', message: /samplesUv/ },
    {
      name: 'EEG rows of different widths',
      send: JSON.stringify({ type: 'eeg.samples', seq: 1, firstSampleSeq: 0, tMs: [now, now + 4], samplesUv: [[1, 2], [1]] }),
      code: 'VALIDATION_FAILED',
      message: /samplesUv\.1: has 1 channels/
    },
    {
      name: 'a non-numeric sample',
      send: JSON.stringify({ type: 'eeg.samples', seq: 1, firstSampleSeq: 0, tMs: [now], samplesUv: [['1']] }),
      code: 'VALIDATION_FAILED',
      message: /samplesUv\.0\.0/
    },
    { name: 'a negative seq', send: JSON.stringify({ ...eegBatch(1, 0, 1), seq: -1 }), code: 'VALIDATION_FAILED', message: /seq/ },
    {
      name: 'an unknown face event kind',
      send: JSON.stringify({ type: 'face.events', seq: 1, events: [{ kind: 'sneeze', tMs: now }] }),
      code: 'VALIDATION_FAILED',
      message: /events\.0\.kind/
    },
    {
      name: 'a game event the game does not define',
      send: JSON.stringify({ type: 'game.events', seq: 1, events: [{ tMs: now, event: { kind: 'teleport', tMs: 0 } }] }),
      code: 'VALIDATION_FAILED',
      message: /events\.0\.event\.kind/
    },
    { name: 'an empty event list', send: JSON.stringify({ type: 'game.events', seq: 1, events: [] }), code: 'VALIDATION_FAILED', message: /events/ },
    { name: 'a marker without label', send: JSON.stringify({ type: 'marker.add', seq: 1, tMs: now, label: '  ' }), code: 'VALIDATION_FAILED', message: /label/ }
  ]

  it.each(cases)('answers $name with an error naming the problem and stays open', async ({ send, code, message }) => {
    const c = await producer()
    c.ws.send(send)
    const error = await c.next('error')
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    await c.sync()
    expect(c.of('ack')).toEqual([])
    c.close()
  })

  it('rejects a seq that does not increase, and acks nothing for it', async () => {
    const c = await producer()
    c.send(eegBatch(5, 0, 2))
    await c.next('ack', (m) => m.seq === 5)
    c.send(eegBatch(5, 2, 2))
    expect(await c.next('error')).toMatchObject({ code: 'BAD_REQUEST', inReplyTo: { type: 'eeg.samples', seq: 5 } })
    c.send(eegBatch(6, 2, 2))
    await c.next('ack', (m) => m.seq === 6)
    c.close()
  })

  it('refuses data while the session is not recording', async () => {
    const planned = await sessionOf(t.baseUrl, owner, { record: false })
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${planned}`, { token: owner.accessToken })
    expect(await c.next('hello')).toMatchObject({ sessionStatus: 'planned' })
    c.send(eegBatch(1, 0, 2))
    expect(await c.next('error')).toMatchObject({ code: 'SESSION_NOT_RECORDING' })
    c.close()
  })

  it('accepts only ping and auth.refresh on the monitor', async () => {
    const m = await TestClient.connect(t.baseUrl, '/ws/monitor', { token: owner.accessToken })
    await m.next('hello')
    m.send(eegBatch(1, 0, 2))
    expect(await m.next('error')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/\/ws\/session\/:id only/) })
    await m.sync()
    m.close()
  })

  it('closes with 1009 when a message exceeds maxPayload', async () => {
    const c = await producer()
    c.ws.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(70 * 1024) }))
    expect((await c.closed).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG)
  })

  it('closes with 4400 after too many invalid messages in a row', async () => {
    const c = await producer()
    for (let i = 0; i < t.station.ctx.hub.options.maxInvalidInARow; i++) c.ws.send('nope')
    expect(await c.closed).toMatchObject({ code: CLOSE_CODES.TOO_MANY_INVALID })
  })

  it('drops messages over the rate limit with an error, and closes a client that keeps going with 4429', async () => {
    const hub = t.station.ctx.hub
    const saved = { ...hub.options }
    Object.assign(hub.options, { maxMessagesPerS: 20, burstMessages: 20, rateStrikesToClose: 2 })
    try {
      const c = await producer()
      for (let i = 0; i < 30; i++) c.send({ type: 'ping', id: i })
      const error = await c.next('error')
      expect(error.code).toBe('RATE_LIMITED')
      expect(c.of('pong').length).toBeLessThan(30)
      // Rejections are reported at most once a second; the second report within the window closes.
      const flood = setInterval(() => {
        if (c.ws.readyState === c.ws.OPEN) for (let i = 0; i < 30; i++) c.send({ type: 'ping' })
      }, 100)
      try {
        expect((await c.closed).code).toBe(CLOSE_CODES.RATE_LIMITED)
      } finally {
        clearInterval(flood)
      }
    } finally {
      Object.assign(hub.options, saved)
    }
  })

  it('keeps the connection through pause and resume and takes data again', async () => {
    const c = await producer()
    await setStatus(t.baseUrl, owner, sessionId, 'paused')
    await c.next('session.status', (m) => m.status === 'paused')
    c.send(eegBatch(1, 100, 2))
    expect(await c.next('error')).toMatchObject({ code: 'SESSION_NOT_RECORDING' })
    await setStatus(t.baseUrl, owner, sessionId, 'recording')
    await c.next('session.status', (m) => m.status === 'recording')
    c.send(eegBatch(2, 100, 2))
    await c.next('ack', (m) => m.seq === 2)
    c.close()
  })
})
