/**
 * Station objects in their one wire shape (src/shared/schemas), for REST bodies and the stream alike:
 * the WebSocket hub sends exactly what the matching GET returns.
 */
import type { DeviceStatusResponse } from '../../shared/schemas/devices'
import type { MarkerResponse } from '../../shared/schemas/sessions'
import type { DeviceStatus } from '../devices/types'
import type { Marker } from '../sessions/sessions.repository'

export function toDeviceStatusResponse(status: DeviceStatus): DeviceStatusResponse {
  const d = status.descriptor
  return {
    state: status.state,
    descriptor: d
      ? {
          kind: d.kind,
          model: d.model,
          channel_names: d.channelNames,
          sample_rate_hz: d.sampleRateHz,
          full_scale_uv: d.fullScaleUv,
          unit: 'uV',
          gain: d.gain ?? null,
          port: d.port ?? null,
          baud_rate: d.baudRate ?? null
        }
      : null,
    stats: {
      samples_received: status.stats.samplesReceived,
      samples_dropped: status.stats.samplesDropped,
      gaps: status.stats.gaps,
      parse_errors: status.stats.parseErrors,
      reconnects: status.stats.reconnects
    },
    quality: status.quality,
    detail: status.detail ?? null
  }
}

export function toMarkerResponse(marker: Marker): MarkerResponse {
  return { id: marker.uid, session_id: marker.sessionId, t_ms: marker.tMs, label: marker.label, value: marker.value, created_by: marker.createdBy }
}
