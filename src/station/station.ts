/**
 * The station core's composition root. `createStation(config)` does no I/O; `start()` opens SQLite and
 * migrates it, connects the headset, starts the background services and finally listens; `stop()`
 * undoes the same steps in reverse, flushing every buffered row before the database closes.
 */
import { join } from 'node:path'
import type { Server as TlsServer } from 'node:tls'
import { createAuditLog, recordSettingsAtStart } from './audit'
import { systemClock, type Clock } from './clock'
import { describeConfig, type StationConfig } from './config'
import type { StationContext } from './context'
import { ensurePrivateFile, prepareDataDir, tightenDatabaseFiles } from './data-dir'
import { createDeviceEventLog } from './devices/device-event-log'
import { DeviceManager } from './devices/device-manager'
import { StationEventBus } from './events'
import { createFatigueService } from './fatigue/fatigue.service'
import { createHub } from './hub/hub'
import { createRecorder } from './ingest/recorder'
import { createLogger, type Logger } from './logger'
import { createLslPublisher } from './lsl/lsl-publisher'
import { loadOrCreateJwtSecret } from './secrets'
import { buildServer, type VigilServer } from './server/app'
import { listeningPort, stationHosts } from './server/origins'
import { isLoopbackHost, loadTls, watchLabCertificate, type TlsMaterial } from './server/tls'
import { pauseInterruptedSessions } from './sessions/sessions.service'
import { createMontageStore } from './sessions/montage.repository'
import { LOCAL_DB_FILE, openLocalDatabase } from './storage/database'
import { stationIdOf } from './storage/station-id'
import { createSyncEngine } from './sync/sync-engine'

export interface StationOptions {
  logger?: Logger
  clock?: Clock
}

/** A started part of the station; stopped in the reverse order of starting. */
export interface StationService {
  name: string
  stop(): Promise<void> | void
}

export interface Station {
  readonly config: StationConfig
  /** Available after start(). */
  readonly ctx: StationContext
  readonly server: VigilServer
  readonly isRunning: boolean
  /** `http(s)://host:port` the station serves, after start(). */
  readonly url: string
  /** The certificate served when TLS is on (the one in use now), else null. */
  readonly tls: TlsMaterial | null
  start(): Promise<void>
  stop(): Promise<void>
}

export function createStation(config: StationConfig, options: StationOptions = {}): Station {
  const logger = options.logger ?? createLogger(config.log.level)
  const clock = options.clock ?? systemClock
  const started: StationService[] = []
  let ctx: StationContext | null = null
  let server: VigilServer | null = null
  let url = ''
  let running = false

  async function start(): Promise<void> {
    if (running) return
    logger.info({ config: describeConfig(config) }, 'starting station')
    try {
      prepareDataDir(config.dataDir)
      const databaseFile = join(config.dataDir, LOCAL_DB_FILE)
      // Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
      ensurePrivateFile(databaseFile)
      tightenDatabaseFiles(databaseFile)
      const db = openLocalDatabase(databaseFile)
      started.push({ name: 'database', stop: () => void db.close() })
      const events = new StationEventBus()
      const devices = new DeviceManager(config.device, events, clock, logger.child({ component: 'device' }))
      const montages = createMontageStore(db)
      const recorder = createRecorder(db, events, logger.child({ component: 'recorder' }))
      recorder.start()
      // Stopped after the device and the server, so every row they handed in is committed before the database closes.
      started.push({ name: 'recorder', stop: () => recorder.stop() })
      const deviceEventLog = createDeviceEventLog(db, events, () => recorder.boundSessionId, logger.child({ component: 'device' }))
      deviceEventLog.start()
      started.push({ name: 'device-event-log', stop: () => deviceEventLog.stop() })
      const fatigue = createFatigueService({ db, events, devices, config, clock, logger: logger.child({ component: 'fatigue' }) })
      fatigue.start()
      // Stopped after the device and the server (last inputs in), before the recorder and database.
      started.push({ name: 'fatigue', stop: () => fatigue.stop() })
      const hub = createHub({ db, events, recorder, devices, fatigue, clock, logger }, { maxPayloadBytes: config.server.wsMaxPayloadBytes, clockToleranceMs: config.ingest.clockToleranceS * 1000 })
      hub.start()
      const stationId = stationIdOf(db)
      const audit = createAuditLog({ db, stationId, clock, logger: logger.child({ component: 'audit' }) })
      recordSettingsAtStart(db, audit, describeConfig(config))
      const sync = createSyncEngine({
        db,
        stationId,
        stationName: config.stationName,
        centralUrl: config.central.url,
        batchRows: config.central.batchRows,
        intervalMs: config.central.intervalMs,
        pruneSyncedAfterDays: config.retention.pruneSyncedAfterDays,
        requireConsent: config.consent.required,
        events,
        audit,
        clock,
        logger: logger.child({ component: 'sync' })
      })
      // Off by default: LSL has no authentication (docs/lsl.md). Started before the headset so the
      // first recording's samples already have an outlet; stopped after it.
      const lsl = config.lsl.enabled
        ? createLslPublisher({
            events,
            devices,
            stationId,
            stationName: config.stationName,
            config: config.lsl,
            clock,
            logger: logger.child({ component: 'lsl' }),
            montageOf: (sessionId) => montages.latest(sessionId)
          })
        : null
      if (lsl) {
        lsl.start()
        started.push({ name: 'lsl', stop: () => lsl.stop() })
      }
      ctx = {
        config,
        db,
        stationId,
        events,
        devices,
        recorder,
        fatigue,
        hub,
        sync,
        audit,
        lsl,
        clock,
        logger,
        jwtSecret: loadOrCreateJwtSecret(config.dataDir),
        startedAtMs: clock.wallMs()
      }
      // Before the headset or any client can bind the recorder to a session again.
      pauseInterruptedSessions(ctx)

      if (config.device.kind !== 'none') {
        // A missing or busy port must not keep the operator out of the UI: the station starts and keeps trying it.
        await devices.connectConfigured({ kind: config.device.kind, path: config.device.path, baudRate: config.device.baudRate, lsl: config.lsl })
      }
      // disconnect() also ends that background wait.
      started.push({ name: 'device', stop: () => devices.disconnect() })

      const { tls: tlsMode, host: boundHost, tlsCert, tlsKey } = config.server
      const tls = tlsMode === 'on' || (tlsMode === 'auto' && !isLoopbackHost(boundHost))
        ? loadTls({ dataDir: config.dataDir, certPath: tlsCert, keyPath: tlsKey, hosts: stationHosts(boundHost), commonName: config.stationName, nowMs: clock.wallMs() })
        : null
      server = await buildServer(ctx, { tls })
      await server.listen({ host: config.server.host, port: config.server.port })
      started.push({ name: 'server', stop: () => server?.close() })
      if (tls?.source === 'lab' && tlsCert && tlsKey) {
        const live = server
        const unwatch = watchLabCertificate(
          tlsCert,
          tlsKey,
          (renewed) => {
            ;(live.server as unknown as TlsServer).setSecureContext({ cert: renewed.cert, key: renewed.key })
            if (live.tls) live.tls.current = renewed
            logger.info({ fingerprintSha256: renewed.fingerprintSha256 }, 'TLS certificate reloaded')
          },
          (err) => logger.error({ err }, 'TLS certificate changed but cannot be used; keeping the previous one')
        )
        started.push({ name: 'tls-watch', stop: unwatch })
      }
      // Stopped before the server: clients get 1001 (going away) instead of a bare close.
      started.push({ name: 'hub', stop: () => hub.stop() })
      // Last to start, first to stop: it only reads committed rows and must not hold a batch open at shutdown.
      if (sync.isEnabled) {
        sync.start()
        started.push({ name: 'sync', stop: () => sync.stop() })
      }
      const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host
      url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${listeningPort(server)}`
      running = true
      logger.info({ url, stationId: ctx.stationId }, 'station ready')
    } catch (err) {
      await stopStarted()
      throw err
    }
  }

  async function stopStarted(): Promise<void> {
    while (started.length > 0) {
      const service = started.pop()!
      try {
        await service.stop()
      } catch (err) {
        logger.error({ err, service: service.name }, 'error while stopping')
      }
    }
  }

  async function stop(): Promise<void> {
    if (!running) return
    running = false
    logger.info('stopping station')
    await stopStarted()
    logger.info('station stopped')
  }

  return {
    config,
    get ctx() {
      if (!ctx) throw new Error('station not started')
      return ctx
    },
    get server() {
      if (!server) throw new Error('station not started')
      return server
    },
    get isRunning() {
      return running
    },
    get url() {
      return url
    },
    get tls() {
      return server?.tls?.current ?? null
    },
    start,
    stop
  }
}
