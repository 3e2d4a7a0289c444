import { appRoot, createStation, loadConfig } from '../../station'
import { ensureNativeModules } from '../native'
import { ensureRendererBuilt } from '../renderer-build'
import { optionsHelp } from '../help'
import type { CliCommand } from './types'

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the headless station (the default command)',
  usage: `npm run station -- [serve] [options]

Runs the station core without a window: reads the headset, stores to local SQLite, serves the API,
the WebSocket streams and the web app. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.

Options:
${optionsHelp()}

Examples:
  npm run station                                   simulated headset on http://127.0.0.1:8787
  npm run station -- --device cyton:/dev/ttyUSB0    OpenBCI Cyton on a USB dongle
  npm run station -- --host 0.0.0.0 --port 9000     let remote researchers connect`,
  async run(args) {
    ensureNativeModules()
    const rendererDir = ensureRendererBuilt(appRoot())
    const config = loadConfig({ argv: args.flags, base: { server: { rendererDir } } })
    const station = createStation(config)
    await station.start()
    const tls = station.tls
    const made = tls?.source === 'generated' ? ' (made by this station: browsers warn until it is trusted; compare this fingerprint with theirs)' : ''
    // One write: scripts (and the e2e helper) read the URL and the pins from the same chunk.
    process.stdout.write(
      `Vigil station listening on ${station.url}\n  API docs: ${station.url}/docs\n  data dir: ${config.dataDir}\n` +
        (tls ? `  TLS certificate SHA-256: ${tls.fingerprintSha256}${made}\n  public key pin (sha256, base64): ${tls.spkiSha256}\n` : '') +
        'Press Ctrl-C to stop.\n'
    )
    await new Promise<void>((resolve) => {
      let stopping = false
      const onSignal = (signal: string) => {
        if (stopping) {
          process.stderr.write(`\n${signal} again: exiting without waiting.\n`)
          process.exit(130)
        }
        stopping = true
        process.stderr.write(`\n${signal}: stopping (flushing buffered data)...\n`)
        station.stop().then(resolve, (err: unknown) => {
          process.stderr.write(`error while stopping: ${(err as Error).message}\n`)
          resolve()
        })
      }
      process.once('SIGINT', () => onSignal('SIGINT'))
      process.once('SIGTERM', () => onSignal('SIGTERM'))
    })
    process.stdout.write('Station stopped.\n')
    return 0
  }
}
