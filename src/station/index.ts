/**
 * The one door into the station core for the shells (src/main, src/cli): they import from here and
 * src/shared, never a module inside src/station (lint: no-restricted-imports), so the core can move
 * its files without touching them.
 */
export { createStation, type Station } from './station'
export { CONFIG_OPTIONS, loadConfig, maskUrl, resolveUserPath, type StationConfig } from './config'
export { appRoot, VIGIL_VERSION } from './paths'
export { createLogger } from './logger'
export { LOCAL_DB_FILE, openLocalDatabase } from './storage/database'

// create-admin
export { createOrResetAdmin } from './auth/admin-account'
export { normalizeEmail } from './auth/users.repository'

// export
export { prepareSessionExport, type ExportPhase } from './export/session-export'
export type { ExportFile } from './export/export-writers'
export { assertConsent } from './participants/consent'
export { findSession } from './sessions/sessions.repository'

// analyze
export { compareWithStored, replaySession, type ReplayResult } from './fatigue/replay'

// migrate-central, sync
export { latestCentralVersion, migrateCentral } from './sync/central-migrations'
export { createSyncEngine, type IngestMethod, type SyncProgress } from './sync/sync-engine'
export { centralChecksums, localChecksums } from './sync/checksum'
export { createAuditLog } from './audit'

// emulate
export { createHeadsetEmulator } from './devices/emulators/headset-emulators'
export { openPtyPair } from './devices/emulators/pty-pair'
export type { SerialEmulator } from './devices/emulators/serial-emulator'
