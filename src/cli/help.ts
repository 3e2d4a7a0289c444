import { CONFIG_OPTIONS } from '../station'

/** The option table shared by --help texts, generated from the one list config.ts reads. */
export function optionsHelp(): string {
  const rows = CONFIG_OPTIONS.map((o) => [`  --${o.flag} ${o.kind === 'bool' ? '[true|false]' : 'VALUE'}`, o.help, o.env])
  const width = Math.max(...rows.map((r) => r[0].length)) + 2
  return rows.map(([flag, help, env]) => `${flag.padEnd(width)}${help}\n${' '.repeat(width)}env: ${env}`).join('\n')
}
