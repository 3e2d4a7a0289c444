/** `emulate KIND`: an emulated headset on a socat pty pair, to try the station without hardware. */
import { VigilError } from '../../shared/errors'
import { EMULATED_HEADSET_KINDS, type EmulatedHeadsetKind } from '../../shared/headsets'
import { createHeadsetEmulator, openPtyPair } from '../../station'
import type { CliCommand } from './types'

const KINDS = EMULATED_HEADSET_KINDS

function isEmulatedKind(kind: string | undefined): kind is EmulatedHeadsetKind {
  return (KINDS as readonly (string | undefined)[]).includes(kind)
}

function probability(value: string | boolean | undefined, flag: string): number {
  if (value === undefined) return 0
  const p = Number(value)
  if (!(p >= 0 && p <= 1)) throw new VigilError('BAD_REQUEST', `--${flag} must be a probability between 0 and 1`)
  return p
}

export const emulateCommand: CliCommand = {
  name: 'emulate',
  summary: 'run an emulated headset (Cyton, Daisy, ThinkGear, line protocol) on a virtual serial port',
  usage: `npm run station -- emulate KIND [options]

Creates a socat pty pair, streams KIND's protocol into one end and prints the other end's path, which
the station opens like a real port (needs socat: apt-get install socat). Runs until Ctrl-C.

KIND: ${KINDS.join(' | ')}

Options:
  --drop P            probability that a frame is lost (default 0)
  --garbage P         probability per 16 ms burst of a run of random bytes (default 0)
  --unplug-every S    unplug the virtual cable for 2 s every S seconds (tests reconnecting)
  --seed N            seed of the fault injection (default 1)

Example:
  npm run station -- emulate cyton --drop 0.01
  npm run station -- --device cyton:/tmp/vigil-pty-XXXX/host        (in another terminal)`,
  async run(args) {
    const kind = args.positionals[0]
    if (!isEmulatedKind(kind)) throw new VigilError('BAD_REQUEST', `which headset? emulate ${KINDS.join('|')}`)
    const faults = {
      dropProbability: probability(args.flags.drop, 'drop'),
      garbageProbability: probability(args.flags.garbage, 'garbage'),
      seed: args.flags.seed === undefined ? 1 : Number(args.flags.seed)
    }
    const unplugEveryS = args.flags['unplug-every'] === undefined ? 0 : Number(args.flags['unplug-every'])
    const pair = await openPtyPair()
    const emulator = createHeadsetEmulator(kind, { pair, ...faults })
    await emulator.start()
    console.log(`emulated ${kind} on ${pair.hostPath}\nstart the station with: npm run station -- --device ${kind}:${pair.hostPath}`)
    let unplugging = false
    const unplugTimer =
      unplugEveryS > 0
        ? setInterval(() => {
            if (unplugging) return
            unplugging = true
            console.log('unplugging for 2 s')
            void emulator.unplug(2000).finally(() => {
              unplugging = false
              console.log('plugged back in')
            })
          }, unplugEveryS * 1000)
        : null
    // `on`, not `once`: npx and tsx relay Ctrl-C too, and a second SIGINT must not kill us before socat is stopped.
    await new Promise<void>((resolve) => {
      process.on('SIGINT', () => resolve())
      process.on('SIGTERM', () => resolve())
    })
    if (unplugTimer) clearInterval(unplugTimer)
    await emulator.stop()
    await pair.close()
    console.log(`sent ${emulator.framesSent} frames, dropped ${emulator.framesDropped}`)
    return 0
  }
}
