/**
 * Writes every headset event (connects, reconnects, gaps with their size, parse-error bursts, quality
 * changes, ThinkGear metrics) to `device_events`, tagged with the session being recorded (NULL when
 * none), so a recording keeps the evidence of what happened to its stream. Events are a few per
 * second at most, so each is its own small insert.
 */
import type { StationEventBus } from '../events'
import type { Logger } from '../logger'
import type { LocalDatabase } from '../storage/database'
import type { DeviceEvent } from './types'

export interface DeviceEventLog {
  start(): void
  stop(): void
}

export function createDeviceEventLog(db: LocalDatabase, events: StationEventBus, boundSessionId: () => string | null, logger: Logger): DeviceEventLog {
  const insert = db.prepare('INSERT INTO device_events (session_id, t_ms, kind, data_json) VALUES (?, ?, ?, ?)')
  const onEvent = (event: DeviceEvent): void => {
    try {
      insert.run(boundSessionId(), event.tMs, event.kind, JSON.stringify(event.data))
    } catch (err) {
      // Losing an event row must not disturb acquisition; the event still reached live clients.
      logger.error({ err, kind: event.kind }, 'could not store device event')
    }
  }
  return {
    start: () => void events.on('device.event', onEvent),
    stop: () => void events.off('device.event', onEvent)
  }
}
