/**
 * SQLite's disk-full and read-only failures as Vigil errors a user can act on. SQLite rolls the failed
 * transaction back, so the database stays consistent; the caller must stop writing (capture) or retry
 * later (sync) rather than carry on as if the rows were stored.
 */
import { VigilError } from '../../shared/errors'

export function storageErrorOf(err: unknown, what: string): VigilError | null {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return null
  if (code === 'SQLITE_FULL') {
    return new VigilError(
      'STORAGE_DISK_FULL',
      `${what}: the disk holding the station database is full. Nothing was half-written; free disk space ` +
        '(or let synced data be pruned: retention.pruneSyncedAfterDays) and it continues.',
      { sqliteCode: code }
    )
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new VigilError(
      'STORAGE_READ_ONLY',
      `${what}: the station database is read-only (${code}). Check the data directory's permissions and that the disk is not mounted read-only.`,
      { sqliteCode: code }
    )
  }
  return null
}
