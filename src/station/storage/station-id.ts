/** This station's id: a UUIDv7 kept in the database (so it moves with the data), made on first use. */
import { newId } from '../ids'
import type { LocalDatabase } from './database'

export function stationIdOf(db: LocalDatabase): string {
  const row = db.prepare("SELECT value FROM station_meta WHERE key = 'station_id'").get() as { value: string } | undefined
  if (row) return row.value
  const id = newId()
  db.prepare("INSERT INTO station_meta (key, value) VALUES ('station_id', ?)").run(id)
  return id
}
