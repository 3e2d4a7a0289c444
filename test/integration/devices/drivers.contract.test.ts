/** Runs the shared driver contract against the simulated headset and every serial driver over a pty. */
import { loadConfig } from '../../../src/station/config'
import { systemClock } from '../../../src/station/clock'
import { createCytonDriver } from '../../../src/station/devices/cyton/cyton.driver'
import { createCytonEmulator, createLinesEmulator, createThinkGearEmulator } from '../../../src/station/devices/emulators/headset-emulators'
import { openPtyPair, type PtyPair } from '../../../src/station/devices/emulators/pty-pair'
import type { SerialEmulator } from '../../../src/station/devices/emulators/serial-emulator'
import { createLinesDriver } from '../../../src/station/devices/lines/lines.driver'
import { SimulatedHeadsetDriver } from '../../../src/station/devices/simulated/simulated.driver'
import { createThinkGearDriver } from '../../../src/station/devices/thinkgear/thinkgear.driver'
import type { HeadsetDriver } from '../../../src/station/devices/types'
import { createLslDriver } from '../../../src/station/lsl/lsl.driver'
import { createLslOutlet, defaultLslNetworkConfig, lslLocalClock } from '../../../src/station/lsl/protocol'
import { describeDriverContract, type ContractSubject } from './driver-contract'

async function overPty(makeEmulator: (pair: PtyPair) => SerialEmulator, makeDriver: (path: string) => HeadsetDriver): Promise<ContractSubject> {
  const pair = await openPtyPair()
  const emulator = makeEmulator(pair)
  await emulator.start()
  return {
    driver: makeDriver(pair.hostPath),
    async cleanup() {
      await emulator.stop()
      await pair.close()
    }
  }
}

describeDriverContract('simulated', async () => ({
  driver: new SimulatedHeadsetDriver(loadConfig({ env: {} }).device.simulated, systemClock),
  cleanup: async () => {}
}))

describeDriverContract('cyton', () =>
  overPty(
    (pair) => createCytonEmulator({ pair }),
    (path) => createCytonDriver({ path, clock: systemClock })
  )
)

describeDriverContract('cyton-daisy', () =>
  overPty(
    (pair) => createCytonEmulator({ pair, daisy: true }),
    (path) => createCytonDriver({ path, clock: systemClock, daisy: true })
  )
)

describeDriverContract('thinkgear', () =>
  overPty(
    (pair) => createThinkGearEmulator({ pair }),
    (path) => createThinkGearDriver({ path, clock: systemClock })
  )
)

describeDriverContract('lines', () =>
  overPty(
    (pair) => createLinesEmulator({ pair, channels: 3 }),
    (path) => createLinesDriver({ path, clock: systemClock })
  )
)

// An LSL stream (Vigil's outlet standing in for an amplifier app) pushing 250 Hz in 40 ms chunks
// stamped at push, as amplifier apps do; loopback only, private ports.
describeDriverContract('lsl', async () => {
  const base = 36000 + (process.pid % 1000) * 4
  const network = defaultLslNetworkConfig({ resolveScope: 'machine', listenAddress: '127.0.0.1', multicastPort: base, basePort: base + 1, portRange: 3 })
  const outlet = createLslOutlet({ name: 'ContractAmp', type: 'EEG', channelCount: 2, channelFormat: 'float32', nominalSrateHz: 250, sourceId: 'contract-amp' }, { network })
  await outlet.start()
  let i = 0
  const timer = setInterval(() => outlet.pushChunk(Array.from({ length: 10 }, () => [i++, -i]), lslLocalClock()), 40)
  return {
    driver: createLslDriver({ predicate: "name='ContractAmp'", network, clock: systemClock, resolveTimeoutMs: 5000 }),
    async cleanup() {
      clearInterval(timer)
      await outlet.stop()
    }
  }
})
