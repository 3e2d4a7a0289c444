/**
 * Run inside a private network namespace (see test/integration/lsl/lsl-multicast.test.ts): a Vigil
 * outlet with liblsl's default settings (site scope, all interfaces), then one resolve per
 * discovery address, each sent only there. Prints one JSON line: address -> names found.
 */
import { createLslOutlet, defaultLslNetworkConfig, resolveStreams } from '../../src/station/lsl/protocol'

const outlet = createLslOutlet({ name: 'NetnsAmp', type: 'EEG', channelCount: 1, channelFormat: 'float32', nominalSrateHz: 10 }, { network: defaultLslNetworkConfig() })
await outlet.start()
const found: Record<string, string[]> = {}
for (const address of ['127.0.0.1', '255.255.255.255', '224.0.0.1', '224.0.0.183', '239.255.172.215']) {
  const streams = await resolveStreams({ network: defaultLslNetworkConfig({ addressesOverride: [address] }), query: "name='NetnsAmp'", minimum: 1, timeoutMs: 3000 })
  found[address] = streams.map((s) => s.name)
}
await outlet.stop()
console.log(JSON.stringify(found))
