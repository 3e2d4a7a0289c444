/**
 * Issue 23 item 11: every acknowledged face or game event is stored. Two different events with the
 * same kind and time were both acked while only the first was stored, because the identity against
 * re-sends was (session, time, kind). Now a producer-chosen `id` names each event; clients without ids
 * are deduplicated by content.
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientMessage } from '../../../src/shared/protocol/client-messages'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { startTestStation, type TestStation } from '../../helpers/station'
import { sessionOf, TestClient, userWith } from '../../helpers/ws-client'

/** Sends and waits for the message's answer: its ack, or the error naming its seq. */
async function answerTo(c: TestClient, message: ClientMessage & { seq: number }) {
  c.send(message)
  return Promise.race([c.next('ack', (m) => m.seq >= message.seq).then(() => 'ack' as const), c.next('error', (m) => m.inReplyTo?.seq === message.seq)])
}

describe('face and game event identity on the session stream', () => {
  let t: TestStation
  let owner: LoggedInUser
  let sessionId: string
  let reader: Database.Database
  let seq = 0

  beforeAll(async () => {
    t = await startTestStation()
    owner = await userWith(t.baseUrl, 'researcher')
    sessionId = await sessionOf(t.baseUrl, owner)
    reader = new Database(t.station.ctx.db.name, { readonly: true })
  })
  afterAll(async () => {
    reader.close()
    forgetStation(t.baseUrl)
    await t.close()
  })

  const stored = (table: 'face_events' | 'game_events', tMs: number) =>
    reader.prepare(`SELECT kind, data_json, event_id FROM ${table} WHERE session_id = ? AND t_ms = ? ORDER BY id`).all(sessionId, tMs) as {
      kind: string
      data_json: string
      event_id: string
    }[]

  async function producer(): Promise<TestClient> {
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: owner.accessToken })
    await c.next('hello')
    return c
  }

  it('stores two different events with the same kind and time that were both acknowledged (no ids: an older client)', async () => {
    const c = await producer()
    const tMs = Date.now()
    const face: ClientMessage & { seq: number } = {
      type: 'face.events',
      seq: ++seq,
      events: [
        { kind: 'blink', tMs, durationMs: 120 },
        { kind: 'blink', tMs, durationMs: 180 }
      ]
    }
    const game: ClientMessage & { seq: number } = {
      type: 'game.events',
      seq: ++seq,
      events: [
        { tMs, event: { kind: 'lane_departure', tMs: 1000, side: 'left', laneOffsetM: 1.9 } },
        { tMs, event: { kind: 'lane_departure', tMs: 1000, side: 'right', laneOffsetM: 1.8 } }
      ]
    }
    expect(await answerTo(c, face)).toBe('ack')
    expect(await answerTo(c, game)).toBe('ack')
    expect(stored('face_events', tMs).map((r) => JSON.parse(r.data_json))).toEqual([{ durationMs: 120 }, { durationMs: 180 }])
    expect(stored('game_events', tMs).map((r) => JSON.parse(r.data_json).side)).toEqual(['left', 'right'])

    // The same batches again (a lost ack, a reconnect): recognised by content, stored once.
    c.close()
    const again = await producer()
    expect(await answerTo(again, { ...face, seq: ++seq })).toBe('ack')
    expect(await answerTo(again, { ...game, seq: ++seq })).toBe('ack')
    expect(stored('face_events', tMs)).toHaveLength(2)
    expect(stored('game_events', tMs)).toHaveLength(2)
    again.close()
  })

  it('keeps two identical events of one message (only a re-sent message is a duplicate)', async () => {
    const c = await producer()
    const tMs = Date.now() + 1
    const twice: ClientMessage & { seq: number } = {
      type: 'face.events',
      seq: ++seq,
      events: [
        { kind: 'blink', tMs, durationMs: 150 },
        { kind: 'blink', tMs, durationMs: 150 }
      ]
    }
    expect(await answerTo(c, twice)).toBe('ack')
    expect(await answerTo(c, { ...twice, seq: ++seq })).toBe('ack')
    expect(stored('face_events', tMs)).toHaveLength(2)
    c.close()
  })

  it('recognises re-sends by the producer-chosen id, stores every distinct id and passes ids on to viewers', async () => {
    const c = await producer()
    const viewer = await producer()
    const tMs = Date.now() + 2
    const message: ClientMessage & { seq: number } = {
      type: 'face.events',
      seq: ++seq,
      events: [
        { id: 'p1:1', kind: 'frame', tMs, facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 0.9 },
        { id: 'p1:2', kind: 'frame', tMs, facePresent: true, eyeOpennessLeft: 0.9, eyeOpennessRight: 0.9 }
      ]
    }
    expect(await answerTo(c, message)).toBe('ack')
    expect(stored('face_events', tMs).map((r) => r.event_id)).toEqual(['p1:1', 'p1:2'])
    // The id is the event's identity, not part of its stored data.
    expect(JSON.parse(stored('face_events', tMs)[0].data_json)).not.toHaveProperty('id')
    const seen = await viewer.next('face.events', (m) => m.events.some((e) => e.tMs === tMs))
    expect(seen.events.map((e) => e.id)).toEqual(['p1:1', 'p1:2'])

    // A re-send with the same ids is acknowledged and stored once, and viewers do not see it twice.
    expect(await answerTo(c, { ...message, seq: ++seq })).toBe('ack')
    await viewer.sync()
    expect(stored('face_events', tMs)).toHaveLength(2)
    expect(viewer.of('face.events').filter((m) => m.events.some((e) => e.tMs === tMs))).toHaveLength(1)

    const game: ClientMessage & { seq: number } = {
      type: 'game.events',
      seq: ++seq,
      events: [
        { id: 'g-1', tMs, event: { kind: 'lane_departure', tMs: 5, side: 'left', laneOffsetM: 1.9 } },
        { id: 'g-2', tMs, event: { kind: 'lane_departure', tMs: 5, side: 'left', laneOffsetM: 1.9 } }
      ]
    }
    expect(await answerTo(c, game)).toBe('ack')
    expect(await answerTo(c, { ...game, seq: ++seq })).toBe('ack')
    expect(stored('game_events', tMs).map((r) => r.event_id)).toEqual(['g-1', 'g-2'])
    c.close()
    viewer.close()
  })

  it('refuses an id that already names a different event, and an id repeated within a message, storing nothing of either', async () => {
    const c = await producer()
    const tMs = Date.now() + 3
    expect(await answerTo(c, { type: 'face.events', seq: ++seq, events: [{ id: 'x-1', kind: 'blink', tMs, durationMs: 100 }] })).toBe('ack')
    const conflict = await answerTo(c, {
      type: 'face.events',
      seq: ++seq,
      events: [
        { id: 'x-2', kind: 'blink', tMs, durationMs: 100 },
        { id: 'x-1', kind: 'yawn', tMs, durationMs: 900 }
      ]
    })
    expect(conflict).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/"x-1" already names a different face event/) })
    const repeated = await answerTo(c, {
      type: 'game.events',
      seq: ++seq,
      events: [
        { id: 'y', tMs, event: { kind: 'lane_departure', tMs: 5, side: 'left', laneOffsetM: 1.9 } },
        { id: 'y', tMs, event: { kind: 'lane_departure', tMs: 6, side: 'left', laneOffsetM: 1.9 } }
      ]
    })
    expect(repeated).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/repeats the id of events\[0\]/) })
    await c.sync()
    expect(stored('face_events', tMs).map((r) => r.event_id)).toEqual(['x-1'])
    expect(stored('game_events', tMs)).toEqual([])
    c.close()
  })
})
