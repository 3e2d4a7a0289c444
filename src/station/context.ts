/**
 * What the station's parts share once started: built by `createStation`, handed to the server's
 * routes (as `app.ctx`) and to the background workers. Each service is added here by its owner.
 */
import type { AuditLog } from './audit'
import type { Clock } from './clock'
import type { StationConfig } from './config'
import type { DeviceManager } from './devices/device-manager'
import type { StationEventBus } from './events'
import type { FatigueService } from './fatigue/fatigue.service'
import type { Hub } from './hub/hub'
import type { Recorder } from './ingest/recorder'
import type { Logger } from './logger'
import type { LslPublisher } from './lsl/lsl-publisher'
import type { LocalDatabase } from './storage/database'
import type { SyncEngine } from './sync/sync-engine'

export interface StationContext {
  config: StationConfig
  db: LocalDatabase
  /** UUIDv7 of this station, created with its database. */
  stationId: string
  events: StationEventBus
  devices: DeviceManager
  /** Writes session data to SQLite (group commit) and binds the headset to the recording session. */
  recorder: Recorder
  /** Per-session fatigue engines: stores metrics and alerts, acknowledges alerts. */
  fatigue: FatigueService
  /** WebSocket fan-out: per-session streams and the monitor feed. */
  hub: Hub
  /** Moves committed rows to the central database; its status (pending rows per table) works without one too. */
  sync: SyncEngine
  /** The audit trail's one writer (docs/security.md "Audit trail"). */
  audit: AuditLog
  /** LSL outlets of the recording session; null unless `lsl.enabled` (docs/lsl.md). */
  lsl: LslPublisher | null
  clock: Clock
  logger: Logger
  jwtSecret: Uint8Array
  startedAtMs: number
}
