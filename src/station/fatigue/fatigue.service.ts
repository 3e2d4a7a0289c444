/**
 * Live wiring of the fatigue engine: one engine per session that sends data, fed from the bus
 * (`session.eeg`, `session.face`, `session.game`); each update is stored (`fatigue_metrics`) and
 * emitted as `fatigue.update`, each alert stored (`alerts`, UUIDv7) and emitted as `alert.raised`.
 * The engine is the same pure function `analyze` replays, so stored metrics equal a replay's for a
 * session recorded within one station run (a restart starts a new engine and baseline).
 */
import type { Alert } from '../../shared/schemas/fatigue'
import type { SessionStatus } from '../../shared/schemas/sessions'
import { VigilError } from '../../shared/errors'
import type { Clock } from '../clock'
import type { StationConfig } from '../config'
import type { DeviceManager } from '../devices/device-manager'
import type { SampleBlock } from '../devices/types'
import type { StationEventBus, TimedEvent } from '../events'
import type { Logger } from '../logger'
import type { LocalDatabase } from '../storage/database'
import { faceInputOf, gameInputOf } from './adapters'
import { createFatigueEngine, type EngineOutput, type FatigueEngine } from './engine'
import { createFatigueRepository, type FatigueRepository, type SessionDevice } from './fatigue.repository'
import type { FatigueEngineOptionsInput } from './types'

export interface FatigueService {
  readonly repository: FatigueRepository
  start(): void
  /** Computes and stores what the open engines still hold, then stops listening. */
  stop(): void
  /**
   * Stores an operator's acknowledgement and broadcasts it; throws NOT_FOUND for an unknown alert. The
   * one path for `POST /sessions/:id/alerts/:aid/ack` and the stream's `alert.ack`.
   */
  acknowledge(sessionId: string, alertId: string, userId: string | null): Alert
}

export interface FatigueServiceDeps {
  db: LocalDatabase
  events: StationEventBus
  devices: DeviceManager
  config: StationConfig
  clock: Clock
  logger: Logger
}

/** Engine options for a session: channel names and rate from the session's device, else the headset's. */
export function engineOptionsFor(device: SessionDevice | null, mainsHz: 50 | 60, channelCount?: number): FatigueEngineOptionsInput {
  if (!device) return { eeg: null }
  const names = channelCount !== undefined && channelCount !== device.channelNames.length
    ? Array.from({ length: channelCount }, (_, i) => device.channelNames[i] ?? `ch${i + 1}`)
    : device.channelNames
  return { eeg: { channelNames: names, sampleRateHz: device.sampleRateHz, mainsHz } }
}

const ENDED = new Set<SessionStatus | null>(['completed', 'aborted'])

export function createFatigueService(deps: FatigueServiceDeps): FatigueService {
  const { db, events, devices, config, clock, logger } = deps
  const repository = createFatigueRepository(db)
  const engines = new Map<string, FatigueEngine>()
  const failing = new Set<string>()
  const store = db.transaction((sessionId: string, out: EngineOutput) => {
    for (const update of out.updates) repository.insertMetrics(sessionId, update)
    return out.alerts.map((a) => repository.insertAlert(sessionId, a))
  })

  function deviceOf(sessionId: string): SessionDevice | null {
    const stored = repository.sessionDevice(sessionId)
    if (stored) return stored
    const descriptor = devices.status().descriptor
    return descriptor ? { channelNames: descriptor.channelNames, sampleRateHz: descriptor.sampleRateHz } : null
  }

  function engineFor(sessionId: string, channelCount?: number): FatigueEngine | null {
    let engine = engines.get(sessionId)
    if (!engine) {
      if (!repository.sessionExists(sessionId)) return null
      engine = createFatigueEngine(engineOptionsFor(deviceOf(sessionId), config.fatigue.mainsHz, channelCount))
      engines.set(sessionId, engine)
    }
    return engine
  }

  function publish(sessionId: string, out: EngineOutput): void {
    if (out.updates.length === 0 && out.alerts.length === 0) return
    let alerts: Alert[]
    try {
      alerts = store(sessionId, out)
    } catch (err) {
      // A deleted session: forget its engine. Anything else (disk full, busy): keep the engine and its
      // baseline; this second's rows are lost, which the log says.
      const gone = !repository.sessionExists(sessionId)
      logger.error({ err, sessionId }, gone ? 'session deleted; dropping its fatigue engine' : 'storing fatigue output failed; rows of this update lost')
      if (gone) engines.delete(sessionId)
      return
    }
    for (const update of out.updates) events.emit('fatigue.update', sessionId, update)
    for (const alert of alerts) events.emit('alert.raised', alert)
  }

  function guarded(sessionId: string, run: (engine: FatigueEngine) => EngineOutput, channelCount?: number): void {
    try {
      const engine = engineFor(sessionId, channelCount)
      if (engine) publish(sessionId, run(engine))
    } catch (err) {
      // Once per session: a producer with a wrong channel count would otherwise log 25 times a second.
      if (!failing.has(sessionId)) logger.error({ err, sessionId }, 'fatigue engine refused input; skipping such input from now on silently')
      failing.add(sessionId)
    }
  }

  const onEeg = (sessionId: string, block: SampleBlock) => guarded(sessionId, (e) => e.pushEeg(block), block.channelCount)
  const onFace = (sessionId: string, event: TimedEvent) => {
    const input = faceInputOf(event)
    if (input) guarded(sessionId, (e) => e.pushFace(input))
  }
  const onGame = (sessionId: string, event: TimedEvent) => {
    const input = gameInputOf(event)
    if (input) guarded(sessionId, (e) => e.pushGame(input))
  }
  const onSessionChanged = (sessionId: string, status: SessionStatus | null) => {
    const engine = engines.get(sessionId)
    if (!engine) return
    failing.delete(sessionId)
    if (status === null) engines.delete(sessionId)
    else if (ENDED.has(status)) {
      engines.delete(sessionId)
      try {
        publish(sessionId, engine.finish())
      } catch (err) {
        logger.error({ err, sessionId }, 'fatigue engine failed at session end')
      }
    }
  }

  let unsubscribe: (() => void) | null = null
  const service: FatigueService = {
    repository,
    start() {
      unsubscribe = events.subscribe({ 'session.eeg': onEeg, 'session.face': onFace, 'session.game': onGame, 'session.changed': onSessionChanged })
    },
    stop() {
      unsubscribe?.()
      unsubscribe = null
      for (const [sessionId, engine] of engines) {
        try {
          publish(sessionId, engine.finish())
        } catch (err) {
          logger.error({ err, sessionId }, 'fatigue engine failed at stop')
        }
      }
      engines.clear()
    },
    acknowledge(sessionId, alertId, userId) {
      const alert = repository.acknowledge(sessionId, alertId, userId, clock.wallMs())
      if (!alert) throw new VigilError('NOT_FOUND', repository.sessionExists(sessionId) ? 'Alert not found' : 'Session not found')
      events.emit('alert.acknowledged', alert)
      return alert
    }
  }
  return service
}
