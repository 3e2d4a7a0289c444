/**
 * A ZIP archive as a stream of chunks (fflate's streaming Zip, which is synchronous for stored and
 * deflated entries): entries are written one after another, each from its own chunk stream, so a
 * large EEG file never sits in memory. Plain ZIP, no ZIP64: entries and archive stay under 4 GiB.
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate'
import { VigilError } from '../../shared/errors'

export interface ZipEntry {
  /** Path inside the archive, forward slashes. */
  name: string
  data: Iterable<Uint8Array>
  /** Deflate text; store data that is already dense (EEG samples) to keep export fast. */
  compress: boolean
}

const ZIP32_LIMIT = 0xffffffff - 64 * 1024

export function* zipStream(entries: Iterable<ZipEntry>, mtime: Date): Generator<Uint8Array> {
  let pending: Uint8Array[] = []
  let failure: Error | null = null
  let total = 0
  const zip = new Zip((err, chunk) => {
    if (err) failure = err
    else {
      total += chunk.length
      pending.push(chunk)
    }
  })
  const drain = function* (): Generator<Uint8Array> {
    if (failure) throw failure
    if (total > ZIP32_LIMIT) throw new VigilError('BAD_REQUEST', 'the export is larger than a ZIP archive without ZIP64 can hold; export the EEG file alone')
    const out = pending
    pending = []
    yield* out
  }
  for (const entry of entries) {
    const file = entry.compress ? new ZipDeflate(entry.name, { level: 6 }) : new ZipPassThrough(entry.name)
    file.mtime = mtime
    zip.add(file)
    for (const chunk of entry.data) {
      file.push(chunk)
      yield* drain()
    }
    file.push(new Uint8Array(0), true)
    yield* drain()
  }
  zip.end()
  yield* drain()
}
