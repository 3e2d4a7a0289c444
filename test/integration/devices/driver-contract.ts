/**
 * The one contract every headset driver passes: lifecycle states, idempotent connect/disconnect,
 * contiguous sequences, evenly spaced increasing timestamps, the descriptor's shape, silence after
 * disconnect. Serial drivers run it over a socat pty against their emulator.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DeviceState, HeadsetDriver, SampleBlock } from '../../../src/station/devices/types'
import { waitUntil } from '../../helpers/wait'

export interface ContractSubject {
  driver: HeadsetDriver
  cleanup(): Promise<void>
}

export function recordDriver(driver: HeadsetDriver) {
  const blocks: SampleBlock[] = []
  const states: DeviceState[] = []
  driver.on('samples', (b) => blocks.push(b))
  driver.on('state', (s) => states.push(s))
  return {
    blocks,
    states,
    samples: () => blocks.reduce((n, b) => n + b.timestampsMs.length, 0)
  }
}

export function describeDriverContract(name: string, create: () => Promise<ContractSubject>): void {
  describe(`driver contract: ${name}`, () => {
    let subject: ContractSubject

    beforeEach(async () => {
      subject = await create()
    })
    afterEach(async () => {
      await subject.driver.disconnect()
      await subject.cleanup()
    })

    it('connects once however often connect() is called, and streams contiguous, evenly timed samples', async () => {
      const { driver } = subject
      expect(driver.state).toBe('disconnected')
      const rec = recordDriver(driver)
      await Promise.all([driver.connect(), driver.connect()])
      await driver.connect()
      expect(driver.state).toBe('streaming')
      expect(rec.states).toEqual(['connecting', 'streaming'])

      const rate = () => driver.descriptor.sampleRateHz
      await waitUntil(() => rec.samples() >= rate() * 1.5, { what: '1.5 s of samples' })
      const channelCount = driver.descriptor.channelNames.length
      expect(channelCount).toBeGreaterThan(0)
      let nextSeq = rec.blocks[0].firstSeq
      const stamps: number[] = []
      for (const block of rec.blocks) {
        const n = block.timestampsMs.length
        expect(block.channelCount).toBe(channelCount)
        expect(block.samplesUv.length).toBe(n * channelCount)
        expect(block.firstSeq).toBe(nextSeq)
        nextSeq += n
        stamps.push(...block.timestampsMs)
      }
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1])
      const steps = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b)
      const median = steps[Math.floor(steps.length / 2)]
      expect(median).toBeGreaterThan((1000 / rate()) * 0.9)
      expect(median).toBeLessThan((1000 / rate()) * 1.1)
      expect(Math.abs(stamps[stamps.length - 1] - Date.now())).toBeLessThan(3000)
      expect(driver.stats().samplesReceived).toBe(rec.samples())
    })

    it('disconnects idempotently, goes silent, and can connect again', async () => {
      const { driver } = subject
      const rec = recordDriver(driver)
      await driver.connect()
      await waitUntil(() => rec.samples() > 0, { what: 'first samples' })
      await Promise.all([driver.disconnect(), driver.disconnect()])
      await driver.disconnect()
      expect(driver.state).toBe('disconnected')
      expect(rec.states.filter((s) => s === 'disconnected')).toHaveLength(1)
      const after = rec.samples()
      await new Promise((r) => setTimeout(r, 150))
      expect(rec.samples()).toBe(after)

      await driver.connect()
      expect(driver.state).toBe('streaming')
      await waitUntil(() => rec.samples() > after, { what: 'samples after reconnecting' })
    })
  })
}
