/**
 * The data directory holds password hashes, EEG and the signing key, so it is the station's own:
 * created 0700, its database files 0600 (SQLite gives `-wal`/`-shm` the main file's mode), and the
 * station refuses to start where another local user could write (they could swap the signing key or
 * drop a config file that opens CORS to their site). Secrets are read without following symlinks, so
 * a planted link cannot make the station read, or chmod, a file elsewhere. POSIX only: on Windows the
 * folder under %APPDATA% inherits the user's ACL.
 */
import { chmodSync, closeSync, constants, existsSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs'
import { VigilError } from '../shared/errors'

const isPosix = process.platform !== 'win32'
const WRITABLE_BY_OTHERS = 0o022

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0')
}

/**
 * Creates the data directory (0700) or checks an existing one: it must belong to this user and not
 * be writable by others; readable by others is tightened to 0700. Returns the folder.
 */
export function prepareDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (!isPosix) return dir
  const stat = statSync(dir)
  const uid = process.getuid?.()
  if (uid !== undefined && stat.uid !== uid) {
    throw new VigilError('CONFIG_INVALID', `The data directory ${dir} belongs to another user (uid ${stat.uid}); use a folder of your own (--data-dir)`)
  }
  if (stat.mode & WRITABLE_BY_OTHERS) {
    throw new VigilError(
      'CONFIG_INVALID',
      `The data directory ${dir} is writable by other users (mode ${octal(stat.mode)}): they could replace its signing key or configuration. Check its files, then: chmod 700 ${dir}`
    )
  }
  if (stat.mode & 0o077) chmodSync(dir, 0o700)
  return dir
}

/** Makes `file` exist with mode 0600, or tightens an existing one (the database before SQLite opens it). */
export function ensurePrivateFile(file: string): void {
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | (isPosix ? constants.O_NOFOLLOW : 0), 0o600)
  try {
    if (isPosix && fstatSync(fd).mode & 0o077) fchmodSync(fd, 0o600)
  } finally {
    closeSync(fd)
  }
}

/** Tightens SQLite's side files when an older station left them readable by others. */
export function tightenDatabaseFiles(databaseFile: string): void {
  if (!isPosix) return
  for (const file of [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`]) {
    if (existsSync(file) && !lstatSync(file).isSymbolicLink() && statSync(file).mode & 0o077) chmodSync(file, 0o600)
  }
}

/**
 * Reads a secret file in the data directory: never through a symlink, never writable by others
 * (refused), readable by others tightened to 0600 through the open descriptor. Null when absent.
 */
export function readSecretFile(file: string): string | null {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | (isPosix ? constants.O_NOFOLLOW : 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    // O_NOFOLLOW on a symlink: ELOOP on Linux, EMLINK on some BSDs.
    if (code === 'ELOOP' || code === 'EMLINK') throw new VigilError('CONFIG_INVALID', `${file} is a symbolic link; secrets are read only from plain files. Remove the link; the station makes a new secret`)
    throw err
  }
  try {
    if (isPosix) {
      const stat = fstatSync(fd)
      if (stat.mode & WRITABLE_BY_OTHERS) {
        throw new VigilError('CONFIG_INVALID', `${file} is writable by other users (mode ${octal(stat.mode)}): it cannot be trusted. Delete it (the station makes a new one) or: chmod 600 ${file}`)
      }
      if (stat.mode & 0o077) fchmodSync(fd, 0o600)
    }
    return readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
}
