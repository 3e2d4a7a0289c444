/** Every CLI subcommand, in the order `--help` lists them. */
import { analyzeCommand } from './analyze.command'
import { createAdminCommand } from './create-admin.command'
import { emulateCommand } from './emulate.command'
import { exportCommand } from './export.command'
import { migrateCentralCommand } from './migrate-central.command'
import { serveCommand } from './serve.command'
import { syncCommand } from './sync.command'
import type { CliCommand } from './types'

export const COMMANDS: CliCommand[] = [serveCommand, exportCommand, analyzeCommand, createAdminCommand, migrateCentralCommand, syncCommand, emulateCommand]
