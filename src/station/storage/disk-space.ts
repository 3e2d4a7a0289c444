/**
 * Free space on the disk that holds the station's database, for the operator's warning: a recording
 * stops (STORAGE_DISK_FULL, nothing half-written) when that disk is full, so say so well before.
 */
import { statfs } from 'node:fs/promises'

export type DiskLevel = 'ok' | 'low' | 'critical'

export interface DiskSpace {
  freeBytes: number
  level: DiskLevel
}

/** `low` below the warning threshold, `critical` below a quarter of it; a threshold of 0 never warns. */
export function diskLevel(freeBytes: number, warnBytes: number): DiskLevel {
  if (warnBytes <= 0 || freeBytes >= warnBytes) return 'ok'
  return freeBytes < warnBytes / 4 ? 'critical' : 'low'
}

export async function diskSpace(dir: string, warnBytes: number): Promise<DiskSpace> {
  const stats = await statfs(dir)
  // bavail: what an unprivileged process may still use (bfree includes the root reserve).
  const freeBytes = Number(stats.bavail) * Number(stats.bsize)
  return { freeBytes, level: diskLevel(freeBytes, warnBytes) }
}
