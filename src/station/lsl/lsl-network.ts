/** The station's `lsl` config as the protocol module's network settings (outlets, the headset driver, discovery). */
import type { StationConfig } from '../config'
import { defaultLslNetworkConfig, type LslNetworkConfig } from './protocol'

export function lslNetworkOf(config: StationConfig['lsl']): LslNetworkConfig {
  return defaultLslNetworkConfig({
    resolveScope: config.resolveScope,
    knownPeers: [...config.knownPeers],
    sessionId: config.sessionId,
    listenAddress: config.listenAddress,
    multicastPort: config.multicastPort,
    basePort: config.basePort,
    portRange: config.portRange
  })
}
