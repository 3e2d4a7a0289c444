/** Splits `[command] --flag value --flag=value --bool` into a command, positionals and flags. */
export interface ParsedArgs {
  command: string | null
  positionals: string[]
  flags: Record<string, string | boolean>
}

export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string> = new Set(['help', 'h', 'version', 'json', 'yes', 'debug', 'lsl'])): ParsedArgs {
  const positionals: string[] = []
  const flags: Record<string, string | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      if (eq > 0) {
        flags[arg.slice(2, eq)] = arg.slice(eq + 1)
        continue
      }
      const name = arg.slice(2)
      const next = argv[i + 1]
      if (booleanFlags.has(name) || next === undefined || next.startsWith('--')) flags[name] = true
      else {
        flags[name] = next
        i++
      }
    } else if (arg === '-h') flags.help = true
    else positionals.push(arg)
  }
  return { command: positionals.shift() ?? null, positionals, flags }
}
