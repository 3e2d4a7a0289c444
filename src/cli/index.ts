/**
 * The headless shell: `npm run station -- [command] [options]`. Builds config, calls the station core,
 * wires signals. Errors are printed as one clear message, never as a stack trace (unless --debug).
 */
import { isVigilError } from '../shared/errors'
import { VIGIL_VERSION } from '../station'
import { parseArgs } from './args'
import { COMMANDS } from './commands'

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return `Vigil ${VIGIL_VERSION}: acquisition station for driver-fatigue research

Usage: npm run station -- [command] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run "npm run station -- <command> --help" for a command's options.
With no command, "serve" runs: "npm run station -- --help" shows its options below.

${COMMANDS[0].usage}`
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv)
  if (args.flags.version) {
    process.stdout.write(`${VIGIL_VERSION}\n`)
    return 0
  }
  const command = args.command ? COMMANDS.find((c) => c.name === args.command) : COMMANDS[0]
  if (!command) {
    process.stderr.write(`Unknown command "${args.command}".\n\n${mainHelp()}\n`)
    return 2
  }
  if (args.flags.help || args.flags.h) {
    process.stdout.write(`${args.command ? command.usage : mainHelp()}\n`)
    return 0
  }
  const debug = args.flags.debug === true
  delete args.flags.debug
  try {
    return await command.run(args)
  } catch (err) {
    if (debug) console.error(err)
    process.stderr.write(`${isVigilError(err) ? `Error (${err.code}): ` : 'Error: '}${(err as Error).message}\n`)
    return 1
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code))
