/**
 * Issue 23 item 12: with an access-token lifetime of 30-60 s, clients never got `auth.expiring` before
 * the 4001 close (the warning came a fixed 60 s ahead). The warning now scales with the lifetime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../src/shared/protocol/close-codes'
import { expiryWarningLeadMs } from '../../../src/station/hub/expiry'
import { forgetStation, type LoggedInUser } from '../../helpers/auth'
import { createManualClock, type ManualClock } from '../../helpers/clock'
import { startTestStation, type TestStation } from '../../helpers/station'
import { sessionOf, TestClient, tokenExpiringIn, userWith } from '../../helpers/ws-client'

describe('auth.expiring with short access-token lifetimes', () => {
  let t: TestStation
  let clock: ManualClock
  let owner: LoggedInUser
  let sessionId: string

  beforeAll(async () => {
    clock = createManualClock()
    t = await startTestStation({}, { clock })
    owner = await userWith(t.baseUrl, 'researcher')
    sessionId = await sessionOf(t.baseUrl, owner)
  })
  afterAll(async () => {
    forgetStation(t.baseUrl)
    await t.close()
  })

  it('keeps the configured lead for long tokens and a third of the remaining time for short ones', () => {
    expect(expiryWarningLeadMs(15 * 60_000, 60_000)).toBe(60_000)
    expect(expiryWarningLeadMs(60_000, 60_000)).toBe(20_000)
    expect(expiryWarningLeadMs(30_000, 60_000)).toBe(10_000)
    expect(expiryWarningLeadMs(-5, 60_000)).toBe(0)
  })

  it.each([30, 60])('warns a connection whose token lives %i s well before closing it with 4001', async (lifetimeS) => {
    // Issued and expiring on the station's clock, which earlier cases moved ahead of the real one.
    const token = await tokenExpiringIn(t.station.ctx, owner.user.id, lifetimeS, clock.wallMs())
    const c = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token })
    const hello = await c.next('hello')
    const remainingMs = hello.tokenExpiresAtMs! - clock.wallMs()
    expect(remainingMs).toBeGreaterThan((lifetimeS - 2) * 1000)

    // Half of the lifetime: no warning yet.
    clock.advance(remainingMs / 2)
    await c.sync()
    expect(c.of('auth.expiring')).toEqual([])
    // Past two thirds: warned, with a third of the lifetime left to refresh in.
    clock.advance(remainingMs / 6 + 50)
    expect(await c.next('auth.expiring')).toMatchObject({ tokenExpiresAtMs: hello.tokenExpiresAtMs })
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    clock.advance(remainingMs / 3)
    expect(await c.closed).toEqual({ code: CLOSE_CODES.TOKEN_EXPIRED, reason: 'access token expired' })
    expect(c.messages.findIndex((m) => m.type === 'auth.expiring')).toBeGreaterThan(0)
  })
})
