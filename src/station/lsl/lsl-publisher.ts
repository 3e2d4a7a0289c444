/**
 * Publishes a recording session's streams as LSL outlets (`--lsl`): EEG (float32 µV with channel
 * labels, type and unit in desc/channels), markers (string), fatigue (~1 Hz), face and driving
 * events (JSON strings), and signal quality. Outlets open when a session records and close when
 * it stops; their source_id depends only on the station and the device, so a LabRecorder that
 * lost them (a restart, a new session) picks them up again by itself.
 *
 * Timestamps: Vigil's sample times are UTC epoch ms; LSL wants the sender's `local_clock()`
 * (monotonic seconds). See `createWallToLslMapper`.
 */
import type { Clock } from '../clock'
import { lslNetworkOf } from './lsl-network'
import type { StationConfig } from '../config'
import type { DeviceManager } from '../devices/device-manager'
import type { SampleBlock } from '../devices/types'
import type { StationEventBus, TimedEvent } from '../events'
import type { Logger } from '../logger'
import type { StoredMontage } from '../sessions/montage.repository'
import type { Marker } from '../sessions/sessions.repository'
import type { FatigueMetrics } from '../../shared/schemas/fatigue'
import type { SessionStatus } from '../../shared/schemas/sessions'
import { CHANNEL_QUALITIES } from '../../shared/schemas/devices'
import { FATIGUE_LEVELS } from '../../shared/schemas/fatigue'
import {
  channelsDesc,
  createElement,
  createLslOutlet,
  createTextElement,
  IRREGULAR_RATE,
  lslLocalClock,
  type LslClock,
  type LslOutlet,
  type OutletInfoFields
} from './protocol'

/** The fatigue stream's channels, in order; absent values are sent as NaN. */
export const FATIGUE_CHANNELS = ['score', 'level', 'eeg', 'perclos', 'eyeClosure', 'sdlp', 'laneDepartures', 'reaction', 'kss'] as const

export type OutletRole = 'eeg' | 'markers' | 'fatigue' | 'face' | 'driving' | 'quality'

export interface LiveOutlet {
  sessionId: string
  role: OutletRole
  name: string
  type: string
  sourceId: string
  uid: string
  dataPort: number
  consumers: number
}

export interface LslPublisherDeps {
  events: StationEventBus
  devices: Pick<DeviceManager, 'status'>
  stationId: string
  stationName: string
  config: StationConfig['lsl']
  clock: Clock
  logger: Logger
  /** The LSL clock; injectable so tests can give the station a known offset. */
  lslClock?: LslClock
  /** The session's stored montage (labels, sites, reference, ground), for the EEG outlet's desc. */
  montageOf?: (sessionId: string) => StoredMontage | null
}

export interface LslPublisher {
  start(): void
  stop(): Promise<void>
  outlets(): LiveOutlet[]
}

/**
 * Maps a Vigil time (UTC epoch ms) onto the LSL clock through the station's monotonic clock:
 * the sample's distance from "now" on the wall clock, added to "now" on the monotonic clock,
 * shifted by the fixed offset between that clock and LSL's (both are monotonic and run at the
 * same rate, so the offset is measured once). Samples keep exactly the spacing Vigil stamped,
 * with no per-push jitter from reading two clocks.
 */
export function createWallToLslMapper(clock: Pick<Clock, 'wallMs' | 'monotonicMs'>, lslClock: LslClock): (tMs: number) => number {
  const offsetS = lslClock() - clock.monotonicMs() / 1000
  return (tMs) => offsetS + (clock.monotonicMs() + (tMs - clock.wallMs())) / 1000
}

export function createLslPublisher(deps: LslPublisherDeps): LslPublisher {
  const { events, clock, logger } = deps
  const lslClock = deps.lslClock ?? lslLocalClock
  const network = lslNetworkOf(deps.config)
  const sessions = new Map<string, Map<OutletRole, Promise<LslOutlet | null>>>()
  const started = new Map<string, LslOutlet>()
  let activeSessionId: string | null = null
  let stopped = true

  const toLslSeconds = createWallToLslMapper(clock, lslClock)
  const sourceId = (role: OutletRole, device = ''): string => `vigil:${deps.stationId}${device ? `:${device}` : ''}:${role}`

  const outlet = (sessionId: string, role: OutletRole, fields: () => OutletInfoFields | null): Promise<LslOutlet | null> => {
    let roles = sessions.get(sessionId)
    if (!roles) {
      roles = new Map()
      sessions.set(sessionId, roles)
    }
    let pending = roles.get(role)
    if (!pending) {
      const info = fields()
      if (!info) return Promise.resolve(null)
      const o = createLslOutlet(info, { network, clock: lslClock, log: (m) => logger.warn(m) })
      pending = o
        .start()
        .then(() => {
          logger.info({ sessionId, role, name: o.info.name, sourceId: o.info.sourceId, dataPort: o.info.v4dataPort }, 'LSL outlet live')
          started.set(`${sessionId}/${role}`, o)
          return o
        })
        .catch((err: unknown) => {
          logger.error({ err, sessionId, role }, 'LSL outlet could not start')
          return null
        })
      roles.set(role, pending)
    }
    return pending
  }

  const sessionDesc = (sessionId: string, extra: ReturnType<typeof createElement>[] = []): ReturnType<typeof createElement> =>
    createElement('desc', '', [
      ...extra,
      createElement('acquisition', '', [
        createTextElement('manufacturer', 'Vigil'),
        createTextElement('station', deps.stationName),
        createTextElement('session_id', sessionId)
      ])
    ])

  const onEeg = (sessionId: string, block: SampleBlock): void => {
    activeSessionId = sessionId
    void outlet(sessionId, 'eeg', () => {
      const descriptor = deps.devices.status().descriptor
      // The montage's labels, as in every export, when it fits the stream (docs/devices.md).
      const montage = deps.montageOf?.(sessionId) ?? null
      const fits = montage !== null && montage.electrodes.length === block.channelCount
      const names = fits
        ? montage.electrodes.map((e) => e.label)
        : descriptor && descriptor.channelNames.length === block.channelCount
          ? descriptor.channelNames
          : Array.from({ length: block.channelCount }, (_, k) => `Ch${k + 1}`)
      // XDF meta-data conventions: desc/reference/label, desc/cap/labelscheme, ground in desc/ground/label.
      const montageDesc = fits
        ? [
            createElement('reference', '', [createTextElement('label', montage.reference)]),
            createElement('ground', '', [createTextElement('label', montage.ground)]),
            createElement('cap', '', [createTextElement('labelscheme', '10-20')])
          ]
        : []
      return {
        name: `${deps.stationName} EEG`,
        type: 'EEG',
        channelCount: block.channelCount,
        channelFormat: 'float32',
        nominalSrateHz: descriptor?.sampleRateHz ?? IRREGULAR_RATE,
        sourceId: sourceId('eeg', descriptor ? `${descriptor.kind}${descriptor.port ? `@${descriptor.port}` : ''}` : 'producer'),
        desc: sessionDesc(sessionId, [channelsDesc(names.map((label) => ({ label, type: 'EEG', unit: 'microvolts' }))), ...montageDesc])
      }
    }).then((o) => {
      if (!o || o.consumerCount === 0) return
      const n = block.timestampsMs.length
      for (let i = 0; i < n; i++) {
        const values = Array.from(block.samplesUv.subarray(i * block.channelCount, (i + 1) * block.channelCount))
        o.pushSample(values, toLslSeconds(block.timestampsMs[i]!))
      }
    })
  }

  const stringOutlet = (sessionId: string, role: OutletRole, type: string, label: string): Promise<LslOutlet | null> =>
    outlet(sessionId, role, () => ({
      name: `${deps.stationName} ${label}`,
      type,
      channelCount: 1,
      channelFormat: 'string',
      nominalSrateHz: IRREGULAR_RATE,
      sourceId: sourceId(role),
      desc: sessionDesc(sessionId)
    }))

  const onMarker = (marker: Marker): void => {
    void stringOutlet(marker.sessionId, 'markers', 'Markers', 'Markers').then((o) =>
      o?.pushSample([marker.value === null ? marker.label : `${marker.label}=${marker.value}`], toLslSeconds(marker.tMs))
    )
  }

  const onTimed = (role: 'face' | 'driving', type: string, label: string) => (sessionId: string, event: TimedEvent) => {
    void stringOutlet(sessionId, role, type, label).then((o) => {
      if (o && o.consumerCount > 0) o.pushSample([JSON.stringify({ kind: event.kind, ...event.data })], toLslSeconds(event.tMs))
    })
  }
  const onFace = onTimed('face', 'Face', 'Face')
  const onGame = onTimed('driving', 'Driving', 'Driving')

  const onFatigue = (sessionId: string, metrics: FatigueMetrics): void => {
    void outlet(sessionId, 'fatigue', () => ({
      name: `${deps.stationName} Fatigue`,
      type: 'Fatigue',
      channelCount: FATIGUE_CHANNELS.length,
      channelFormat: 'float32',
      nominalSrateHz: 1,
      sourceId: sourceId('fatigue'),
      desc: sessionDesc(sessionId, [
        channelsDesc(
          FATIGUE_CHANNELS.map((label) => ({
            label,
            type: label === 'score' ? 'FatigueScore' : label === 'level' ? 'FatigueLevel' : 'FatigueComponent',
            unit: label === 'score' ? 'percent' : label === 'level' ? `index(${FATIGUE_LEVELS.join(',')})` : 'normalized'
          }))
        )
      ])
    })).then((o) => {
      if (!o) return
      const c = metrics.components
      const level = metrics.level === null ? Number.NaN : FATIGUE_LEVELS.indexOf(metrics.level)
      const values = [metrics.score, level, c.eeg, c.perclos, c.eyeClosure, c.sdlp, c.laneDepartures, c.reaction, c.kss].map((v) => (v === null ? Number.NaN : v))
      o.pushSample(values, toLslSeconds(metrics.tMs))
    })
  }

  const onDeviceStatus = (status: ReturnType<DeviceManager['status']>): void => {
    if (!activeSessionId || status.quality.length === 0) return
    const sessionId = activeSessionId
    void outlet(sessionId, 'quality', () => ({
      name: `${deps.stationName} Quality`,
      type: 'Quality',
      channelCount: status.quality.length,
      channelFormat: 'int8',
      nominalSrateHz: IRREGULAR_RATE,
      sourceId: sourceId('quality'),
      desc: sessionDesc(sessionId, [
        channelsDesc((status.descriptor?.channelNames ?? status.quality.map((_, k) => `Ch${k + 1}`)).map((label) => ({ label, type: 'Quality', unit: `index(${CHANNEL_QUALITIES.join(',')})` })))
      ])
    })).then((o) => {
      if (o && o.info.channelCount === status.quality.length) o.pushSample(status.quality.map((q) => CHANNEL_QUALITIES.indexOf(q)), lslClock())
    })
  }

  const closeSession = async (sessionId: string): Promise<void> => {
    const roles = sessions.get(sessionId)
    sessions.delete(sessionId)
    if (activeSessionId === sessionId) activeSessionId = null
    if (!roles) return
    for (const [role, pending] of roles) {
      started.delete(`${sessionId}/${role}`)
      const o = await pending
      if (o) {
        await o.stop()
        logger.info({ sessionId, name: o.info.name }, 'LSL outlet closed')
      }
    }
  }

  const onSessionChanged = (sessionId: string, status: SessionStatus | null): void => {
    if (status === 'recording') activeSessionId = sessionId
    else void closeSession(sessionId)
  }

  let unsubscribe: (() => void) | null = null
  return {
    start() {
      if (!stopped) return
      stopped = false
      unsubscribe = events.subscribe({
        'session.eeg': onEeg,
        'session.marker': onMarker,
        'session.face': onFace,
        'session.game': onGame,
        'fatigue.update': onFatigue,
        'device.statusChanged': onDeviceStatus,
        'session.changed': onSessionChanged
      })
      logger.warn({ scope: network.resolveScope, listenAddress: network.listenAddress }, 'LSL outlets enabled: LSL has no authentication; anyone on the network can read them')
    },
    async stop() {
      if (stopped) return
      stopped = true
      unsubscribe?.()
      unsubscribe = null
      for (const sessionId of Array.from(sessions.keys())) await closeSession(sessionId)
    },
    outlets() {
      const result: LiveOutlet[] = []
      for (const [sessionId, roles] of sessions) {
        for (const [role] of roles) {
          const o = started.get(`${sessionId}/${role}`)
          if (o) result.push({ sessionId, role, name: o.info.name, type: o.info.type, sourceId: o.info.sourceId, uid: o.info.uid, dataPort: o.info.v4dataPort, consumers: o.consumerCount })
        }
      }
      return result
    }
  }
}
