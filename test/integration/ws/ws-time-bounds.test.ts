/**
 * One message from any account must not freeze the station. A self-registered student once stopped
 * a default station with `face.events` at `tMs: 1e20`: the fatigue engine looped forever, capture
 * stopped and only SIGKILL ended the process. The station runs here as a real process, so a freeze
 * shows as unanswered pings and a SIGTERM that does not end it, instead of hanging the test runner.
 */
import * as fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeEegFrame } from '../../../src/shared/protocol/eeg-frame'
import { MAX_EPOCH_MS } from '../../../src/shared/schemas/common'
import type { ClientMessage } from '../../../src/shared/protocol/client-messages'
import { registerAndLogin, type LoggedInUser } from '../../helpers/auth'
import { startE2eStation, type E2eStation } from '../../helpers/station-process'
import { sessionOf, TestClient } from '../../helpers/ws-client'

const DAY_MS = 24 * 3600 * 1000

describe('client timestamps on a real station process', () => {
  let station: E2eStation
  let student: LoggedInUser
  let producer: TestClient
  let seq = 0

  beforeAll(async () => {
    // No headset: the student's session then takes EEG from clients too, so every data path is open.
    station = await startE2eStation(['--device', 'none'])
    await registerAndLogin(station.url, { role: 'admin' })
    student = await registerAndLogin(station.url, { role: 'student' })
    const sessionId = await sessionOf(station.url, student)
    producer = await TestClient.connect(station.url, `/ws/session/${sessionId}`, { token: student.accessToken })
    await producer.next('hello')
  }, 120_000)
  afterAll(async () => {
    producer?.close()
    await station?.stop()
  })

  const messages = (tMs: number): ClientMessage[] => [
    { type: 'face.events', seq: ++seq, events: [{ kind: 'frame', tMs, facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 0.9 }] },
    { type: 'game.events', seq: ++seq, events: [{ tMs, event: { kind: 'lane_departure', tMs: 0, side: 'left', laneOffsetM: 1.9 } }] },
    { type: 'marker.add', seq: ++seq, tMs, label: 'probe' },
    { type: 'eeg.samples', seq: ++seq, firstSampleSeq: seq * 10, tMs: [tMs], samplesUv: [[1, 2]] }
  ]

  /** Sends one message and waits for its answer: an ack or an error naming it. */
  async function answerTo(message: ClientMessage | Buffer, messageSeq: number) {
    if (Buffer.isBuffer(message)) producer.ws.send(message)
    else producer.send(message)
    return Promise.race([
      producer.next('ack', (m) => m.seq === messageSeq).then(() => 'ack' as const),
      producer.next('error', (m) => m.inReplyTo?.seq === messageSeq)
    ])
  }

  it('refuses far-future, far-past and out-of-range times with an error naming the window, and stays responsive', async () => {
    const now = Date.now()
    for (const tMs of [1e20, MAX_EPOCH_MS, now + DAY_MS, now - DAY_MS]) {
      for (const message of messages(tMs)) {
        const answer = await answerTo(message, (message as { seq: number }).seq)
        expect(answer, `${message.type} at ${tMs}`).not.toBe('ack')
        if (answer !== 'ack') {
          expect(answer.code).toBe('VALIDATION_FAILED')
          expect(answer.message).toMatch(tMs > MAX_EPOCH_MS ? /tMs|Invalid/ : /lies (before the session started|after the station's present time): accepted are/)
        }
      }
      await producer.sync()
    }
    const frameSeq = ++seq
    const frame = encodeEegFrame({ seq: frameSeq, firstSampleSeq: 9_000_000 }, [now + DAY_MS], [1, 2], 2)
    expect(await answerTo(Buffer.from(frame), frameSeq)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/tMs\[0\] = .* lies after/) })
    // Still capturing: a message stamped now is stored and acknowledged.
    for (const message of messages(Date.now())) expect(await answerTo(message, (message as { seq: number }).seq)).toBe('ack')
    const health = await fetch(`${station.url}/api/v1/health`)
    expect(health.status).toBe(200)
  })

  it('answers every message with extreme or adversarial times and keeps answering pings (property)', async () => {
    const time = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }),
      fc.constantFrom(1e20, MAX_EPOCH_MS, 2 ** 53, Number.MAX_VALUE),
      fc.integer({ min: -2 * DAY_MS, max: 2 * DAY_MS }).map((d) => Date.now() + d)
    )
    await fc.assert(
      fc.asyncProperty(time, fc.nat({ max: 3 }), async (tMs, which) => {
        const message = messages(tMs)[which]
        const answer = await answerTo(message, (message as { seq: number }).seq)
        // The session started minutes ago at most; the tolerance is 120 s on either side.
        const inWindow = tMs >= Date.now() - 10 * 60_000 && tMs <= Date.now() + 121_000
        if (answer === 'ack') expect(inWindow, `${message.type} at ${tMs} was stored`).toBe(true)
        await producer.sync()
      }),
      { numRuns: 60 }
    )
  })

  it('still stops on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => station.process.once('exit', (code) => resolve(code)))
    station.process.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
