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
