/** The hub's limits and timings; tests and benchmarks tighten them through `createHub`'s overrides. */

export interface HubOptions {
  /** Ping interval; a socket that missed the previous ping is terminated. */
  heartbeatIntervalMs: number
  /** Period of `monitor.snapshot` (1 Hz by default). */
  monitorIntervalMs: number
  maxMessagesPerS: number
  burstMessages: number
  /**
   * Bytes per second a connection may send, and the burst: beyond them the station stops reading the
   * connection until the budget recovers (TCP backpressure; nothing is dropped).
   */
  maxBytesPerS: number
  burstBytes: number
  /**
   * Milliseconds per second the station may spend handling one connection's messages (parse, validate,
   * fan-out, inserting the rows), and the burst; beyond them reading pauses the same way. Keeps healthy clients responsive
   * however expensive the messages are on this machine.
   */
  maxBusyMsPerS: number
  burstBusyMs: number
  /** The event-loop guard (./loop-guard.ts): probe period, the lag that triggers it, the handling time per probe above which a connection is paused, and for how long. */
  loopProbeMs: number
  maxLoopLagMs: number
  loopFairShareMs: number
  loopPauseMs: number
  /** Connections that may send data to one session at once; more are refused with `RATE_LIMITED`. */
  maxProducersPerSession: number
  rateStrikesToClose: number
  rateStrikeWindowMs: number
  /** Consecutive invalid messages that close a connection (4400). */
  maxInvalidInARow: number
  highWaterBytes: number
  maxQueuedLiveFrames: number
  maxQueuedReliableFrames: number
  drainCheckMs: number
  /** How long before token expiry `auth.expiring` is sent. */
  expiryWarningMs: number
  /** The ws `maxPayload`, announced in `hello`. */
  maxPayloadBytes: number
  /** How far a producer's timestamps may lie outside [session start, now] (src/station/ingest/time-window.ts). */
  clockToleranceMs: number
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  heartbeatIntervalMs: 15_000,
  monitorIntervalMs: 1000,
  maxMessagesPerS: 200,
  burstMessages: 400,
  // 64 channels at 2 kHz as JSON is about 1 MB/s; twice that leaves room, and a burst of four
  // maximum-size messages lets a producer re-send its backlog after a reconnect at full speed.
  maxBytesPerS: 2 * 1024 * 1024,
  burstBytes: 4 * 1024 * 1024,
  // A tenth of a core per connection: a 64-channel 2 kHz JSON producer needs a few percent.
  maxBusyMsPerS: 100,
  burstBusyMs: 200,
  // Healthy clients should see pings answered within 50 ms: act at half of that.
  loopProbeMs: 20,
  maxLoopLagMs: 25,
  loopFairShareMs: 2,
  loopPauseMs: 250,
  // The renderer's face tracker and game link, an external EEG producer and one spare.
  maxProducersPerSession: 4,
  rateStrikesToClose: 3,
  rateStrikeWindowMs: 10_000,
  maxInvalidInARow: 20,
  highWaterBytes: 256 * 1024,
  maxQueuedLiveFrames: 256,
  maxQueuedReliableFrames: 2048,
  drainCheckMs: 10,
  expiryWarningMs: 60_000,
  maxPayloadBytes: 1024 * 1024,
  clockToleranceMs: 120_000
}
