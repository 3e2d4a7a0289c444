import { describe, expect, it } from 'vitest'
import { formatBytes } from '@renderer/components/ui/format-bytes'
import { diskLevel } from '../../src/station/storage/disk-space'

describe('disk space warning', () => {
  it('is low below the threshold, critical below a quarter of it, and off with a threshold of 0', () => {
    const warn = 2e9
    expect(diskLevel(5e9, warn)).toBe('ok')
    expect(diskLevel(2e9, warn)).toBe('ok')
    expect(diskLevel(1.9e9, warn)).toBe('low')
    expect(diskLevel(0.5e9, warn)).toBe('low')
    expect(diskLevel(0.49e9, warn)).toBe('critical')
    expect(diskLevel(0, 0)).toBe('ok')
  })

  it('says sizes the way disks are sold', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(850_000_000)).toBe('850 MB')
    expect(formatBytes(1_234_000_000)).toBe('1.2 GB')
    expect(formatBytes(12_500_000_000)).toBe('13 GB')
    expect(formatBytes(-1)).toBe('—')
  })
})
