import { describe, expect, it } from 'vitest'
import { clientMessageSchema } from '../../../src/shared/protocol/client-messages'
import { PROTOCOL_VERSION } from '../../../src/shared/protocol/common'

describe('client message versions', () => {
  it('takes messages without `v`, with the current version and with 1 (client shapes did not change in 2)', () => {
    for (const v of [undefined, 1, PROTOCOL_VERSION]) expect(clientMessageSchema.safeParse({ type: 'ping', id: 1, v }).success).toBe(true)
  })

  it('refuses a version the station does not speak', () => {
    for (const v of [0, PROTOCOL_VERSION + 1, '2']) expect(clientMessageSchema.safeParse({ type: 'ping', v }).success).toBe(false)
  })
})
