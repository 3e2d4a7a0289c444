import { describe, expect, it } from 'vitest'
import { VigilError } from '../../../src/shared/errors'
import { createDownloadLinks } from '../../../src/station/export/download-links'
import { createManualClock } from '../../helpers/clock'

const manualClock = () => createManualClock(1_700_000_000_000)

function errorOf(fn: () => unknown): VigilError {
  try {
    fn()
  } catch (err) {
    if (err instanceof VigilError) return err
    throw err
  }
  throw new Error('expected a VigilError')
}

describe('one-time download links', () => {
  it('gives the payload back once, to the user it was issued for', () => {
    const clock = manualClock()
    const links = createDownloadLinks<string>(clock, 60_000)
    const { id, expiresAtMs } = links.issue('user-1', 'export-job')
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 random bits, URL-safe
    expect(expiresAtMs).toBe(clock.wallMs() + 60_000)
    expect(links.redeem(id)).toEqual({ userId: 'user-1', issuedAtMs: clock.wallMs(), payload: 'export-job' })
    expect(errorOf(() => links.redeem(id)).code).toBe('NOT_FOUND')
    expect(links.openCount).toBe(0)
  })

  it('refuses an expired or unknown link, and forgets expired ones', () => {
    const clock = manualClock()
    const links = createDownloadLinks<number>(clock, 60_000)
    const early = links.issue('u', 1)
    clock.advance(59_999)
    const late = links.issue('u', 2)
    clock.advance(1)
    expect(errorOf(() => links.redeem(early.id)).message).toMatch(/expired/)
    expect(links.redeem(late.id).payload).toBe(2)
    expect(errorOf(() => links.redeem('not-a-link')).code).toBe('NOT_FOUND')
    links.issue('u', 3)
    clock.advance(60_000)
    links.issue('v', 4) // issuing prunes what expired meanwhile
    expect(links.openCount).toBe(1)
  })

  it('caps unused links per user, without blocking other users', () => {
    const clock = manualClock()
    const links = createDownloadLinks<number>(clock, 60_000)
    for (let i = 0; i < 20; i++) links.issue('greedy', i)
    const refused = errorOf(() => links.issue('greedy', 20))
    expect(refused.code).toBe('RATE_LIMITED')
    expect(refused.details).toEqual({ retry_after_s: 60 })
    expect(links.issue('other', 0).id).toBeTruthy()
    clock.advance(60_000)
    expect(links.issue('greedy', 21).id).toBeTruthy()
  })
})
