import type { ParsedArgs } from '../args'

/** A `npm run station -- <name>` subcommand. */
export interface CliCommand {
  name: string
  /** One line for the command list. */
  summary: string
  /** Full usage text for `<name> --help`. */
  usage: string
  /** Resolves to the process exit code. */
  run(args: ParsedArgs): Promise<number>
}
