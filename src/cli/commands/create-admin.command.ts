import { VigilError } from '../../shared/errors'
import { emailSchema } from '../../shared/schemas/auth'
import { passwordSchema } from '../../shared/schemas/users'
import { createOrResetAdmin, loadConfig, normalizeEmail } from '../../station'
import { ensureNativeModules } from '../native'
import type { CliCommand } from './types'

/** Reads the password from piped stdin, or prompts without echo on a terminal. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    let text = ''
    for await (const chunk of stdin) text += String(chunk)
    return text.replace(/\r?\n$/, '')
  }
  process.stderr.write('Password (8-128 characters, not shown): ')
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    let password = ''
    const onData = (key: string) => {
      for (const ch of key) {
        if (ch === '\r' || ch === '\n') {
          stdin.off('data', onData)
          stdin.setRawMode(false)
          stdin.pause()
          process.stderr.write('\n')
          return resolve(password)
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false)
          return reject(new Error('cancelled'))
        }
        if (ch === '\u007f') password = password.slice(0, -1)
        else password += ch
      }
    }
    stdin.on('data', onData)
  })
}

export const createAdminCommand: CliCommand = {
  name: 'create-admin',
  summary: 'create an admin account, or make an existing account admin with a new password',
  usage: `npm run station -- create-admin --email EMAIL [--full-name NAME] [--data-dir DIR]

Creates an admin account in the station's local database (the way in when self-registration is
off). If the email already exists, that account becomes an active admin, gets the new password and
is logged out everywhere: the recovery path for a locked-out admin. The password is read from stdin
when piped (echo "..." | npm run station -- create-admin --email a@lab.org), otherwise prompted for.
Works while the station is running.`,
  async run(args) {
    const { email: rawEmail, 'full-name': rawName, ...rest } = args.flags
    if (typeof rawEmail !== 'string') throw new VigilError('BAD_REQUEST', 'create-admin needs --email EMAIL (see --help)')
    const email = emailSchema.safeParse(rawEmail)
    if (!email.success) throw new VigilError('BAD_REQUEST', `--email: ${email.error.issues[0].message}`)
    ensureNativeModules()
    const config = loadConfig({ argv: rest })
    const password = passwordSchema.safeParse(await readPassword())
    if (!password.success) throw new VigilError('BAD_REQUEST', `password: ${password.error.issues[0].message}`)
    const fullName = typeof rawName === 'string' ? rawName.trim() || null : null

    const outcome = await createOrResetAdmin(config, { email: email.data, password: password.data, fullName })
    process.stdout.write(`${outcome === 'created' ? 'Created' : 'Updated'} admin ${normalizeEmail(email.data)} in ${config.dataDir}\n`)
    return 0
  }
}
