/**
 * Turns decoded samples into a gap-aware, evenly timed stream. Pure: the caller passes the host's
 * monotonic arrival time of each batch.
 *
 * Sequence: the device counter is unwrapped into a sequence that never goes back. A counter jump is
 * a gap; because a 1-byte counter wraps every second, the host clock decides how many whole wraps a
 * gap spans (the ambiguity OpenBCI users keep reporting). Repeated or stale counters are dropped as
 * duplicates. Protocols without a counter detect only gaps longer than `counterlessGapS`, from time.
 *
 * Time: sample `seq` is stamped `intercept + slope × seq`, where the line is an exponentially
 * forgetting least-squares fit of batch arrival time against the sequence of the batch's last sample
 * (LSL's dejitter idea). Samples of a burst delivered by the FTDI latency timer therefore get evenly
 * spaced stamps, and slow crystal drift is followed. Stamps strictly increase.
 */

export interface TimelineOptions {
  sampleRateHz: number
  /** Modulus of the device counter (256 for Cyton); null when the protocol has no counter. */
  counterModulus: number | null
  /** Infer the modulus (the next power of two) the first time the counter goes backwards. */
  inferModulus?: boolean
  /** Forgetting half-life of the clock fit, in seconds of samples (default 60). */
  halfLifeS?: number
  /** Without a counter, a shortfall of at least this many seconds of samples is a gap (default 1). */
  counterlessGapS?: number
  /** Bound on how far the fitted rate may stray from the nominal one (default ±10 %). */
  maxRateError?: number
  /**
   * The counters are the parser's own count of samples seen and lost (ThinkGear: a rejected raw-wave
   * packet is one lost sample), not the device's: losses of whole packets are still found from time.
   */
  isCounterVirtual?: boolean
}

/** Consecutive samples of one batch: batch indices [start, start + count) have sequences firstSeq... */
export interface TimelineSegment {
  start: number
  count: number
  firstSeq: number
  timestampsMonoMs: Float64Array
}

export interface TimelineGap {
  /** Sequence of the last sample before the gap (-1 when the very first samples were lost). */
  afterSeq: number
  size: number
}

export interface TimelineResult {
  segments: TimelineSegment[]
  gaps: TimelineGap[]
  duplicates: number
}

export interface StreamTimeline {
  ingest(batch: { count: number; counters: Int32Array | null }, arrivalMonoMs: number): TimelineResult
  /** Fitted sample period in ms (nominal until enough data). */
  readonly periodMs: number
  /** The next sequence number to be assigned. */
  readonly nextSeq: number
  /** Changes the nominal rate (a line-protocol header may declare it late). */
  setSampleRate(sampleRateHz: number): void
  /**
   * The device's counter restarted (Cyton firmware sets it to 0 on every `b`), or the port was
   * reopened: size the gap before the next samples from the clock, then restart the drift fit.
   */
  resumeFromClock(): void
}

export function createStreamTimeline(options: TimelineOptions): StreamTimeline {
  let nominalPeriodMs = 1000 / options.sampleRateHz
  let rateHz = options.sampleRateHz
  let modulus = options.counterModulus
  const halfLifeS = options.halfLifeS ?? 60
  const maxRateError = options.maxRateError ?? 0.1
  const counterlessGapS = options.counterlessGapS ?? 1

  let nextSeq = 0
  let lastCounter = -1
  let isResuming = false
  /** Samples left in which a counter jump is a restart, sized from the clock (see resumeFromClock). */
  let restartWindow = 0
  let lastStampMs = -Infinity
  // Exponentially weighted fit state (centred: means, variance and covariance sums).
  let fitCount = 0
  let firstFitSeq = 0
  let lastFitSeq = 0
  let weight = 0
  let meanX = 0
  let meanY = 0
  let varX = 0
  let covXY = 0

  function slopeMs(): number {
    if (fitCount < 2 || lastFitSeq - firstFitSeq < 2 * rateHz || varX <= 0) return nominalPeriodMs
    const fitted = covXY / varX
    const lo = nominalPeriodMs * (1 - maxRateError)
    const hi = nominalPeriodMs * (1 + maxRateError)
    return Math.min(hi, Math.max(lo, fitted))
  }

  function isFitReady(): boolean {
    return fitCount >= 2 && lastFitSeq - firstFitSeq >= rateHz
  }

  /** Fractional sequence the line predicts for a host time. */
  function seqAt(tMs: number): number {
    return meanX + (tMs - meanY) / slopeMs()
  }

  function update(seq: number, tMs: number): void {
    if (fitCount === 0) {
      firstFitSeq = seq
      weight = 1
      meanX = seq
      meanY = tMs
      varX = 0
      covXY = 0
    } else {
      const decay = Math.pow(2, -(seq - lastFitSeq) / (halfLifeS * rateHz))
      weight = decay * weight + 1
      const dx = seq - meanX
      meanX += dx / weight
      meanY += (tMs - meanY) / weight
      varX = decay * varX + dx * (seq - meanX)
      covXY = decay * covXY + dx * (tMs - meanY)
    }
    fitCount++
    lastFitSeq = seq
  }

  function unwrapGap(delta: number, m: number, arrivalMonoMs: number, samplesAfter: number): number {
    // Even one anchor point with the nominal rate places a gap to well within half a wrap.
    if (fitCount === 0) return delta
    const expectedMissing = seqAt(arrivalMonoMs) - samplesAfter - nextSeq
    const wraps = Math.max(0, Math.round((expectedMissing - delta) / m))
    return delta + wraps * m
  }

  return {
    get periodMs() {
      return slopeMs()
    },
    get nextSeq() {
      return nextSeq
    },
    setSampleRate(sampleRateHz) {
      rateHz = sampleRateHz
      nominalPeriodMs = 1000 / sampleRateHz
      fitCount = 0
    },
    resumeFromClock() {
      isResuming = true
      // A board that kept streaming sends a few packets with its old counter before the start
      // command reaches it: the restart to 0 may come a little later.
      restartWindow = Math.ceil(rateHz)
    },
    ingest(batch, arrivalMonoMs) {
      const segments: TimelineSegment[] = []
      const gaps: TimelineGap[] = []
      let duplicates = 0
      const n = batch.count
      if (n === 0) return { segments, gaps, duplicates }
      const counters = batch.counters

      if (isResuming) {
        // The counter says nothing across a restart; the fit of the old stretch places the first new
        // sample to within the arrival jitter (a few samples), then a fresh fit takes over.
        isResuming = false
        lastCounter = -1
        if (fitCount > 0 && nextSeq > 0) {
          const missing = Math.round(seqAt(arrivalMonoMs) - (n - 1) - nextSeq)
          if (missing > 0) {
            gaps.push({ afterSeq: nextSeq - 1, size: missing })
            nextSeq += missing
          }
        }
        fitCount = 0
      } else if ((!counters || options.isCounterVirtual) && isFitReady()) {
        let counted = 0
        if (counters && lastCounter >= 0) counted = counters[n - 1] - lastCounter - n
        const missing = Math.round(seqAt(arrivalMonoMs) - (n - 1) - nextSeq) - Math.max(0, counted)
        if (missing >= Math.max(16, counterlessGapS * rateHz)) {
          gaps.push({ afterSeq: nextSeq - 1, size: missing })
          nextSeq += missing
        }
      }

      let segStart = -1
      let segFirstSeq = 0
      const close = (end: number): void => {
        if (segStart >= 0) segments.push({ start: segStart, count: end - segStart, firstSeq: segFirstSeq, timestampsMonoMs: new Float64Array(0) })
        segStart = -1
      }

      for (let i = 0; i < n; i++) {
        if (counters) {
          const c = counters[i]
          if (lastCounter >= 0) {
            if (options.inferModulus && c < lastCounter && (modulus === null || modulus <= lastCounter)) {
              modulus = 2 ** Math.ceil(Math.log2(lastCounter + 1))
            }
            const m = modulus ?? 2 ** 31
            const delta = (((c - lastCounter - 1) % m) + m) % m
            if (delta > 0 && restartWindow > 0) {
              close(i)
              restartWindow = 0
              const missing = fitCount > 0 ? Math.max(0, Math.round(seqAt(arrivalMonoMs) - (n - 1 - i) - nextSeq)) : 0
              if (missing > 0) {
                gaps.push({ afterSeq: nextSeq - 1, size: missing })
                nextSeq += missing
              }
              lastCounter = c
              segStart = i
              segFirstSeq = nextSeq
              nextSeq++
              continue
            }
            if (delta === m - 1) {
              duplicates++
              close(i)
              continue
            }
            if (delta > 0) {
              // A counter far "ahead" that the clock says is really a step back: a stale repeat.
              if (delta > m / 2 && fitCount > 0 && seqAt(arrivalMonoMs) - (n - 1 - i) - nextSeq < delta - m / 2) {
                duplicates++
                close(i)
                continue
              }
              const missing = unwrapGap(delta, m, arrivalMonoMs, n - 1 - i)
              close(i)
              gaps.push({ afterSeq: nextSeq - 1, size: missing })
              nextSeq += missing
            }
          }
          lastCounter = c
        }
        if (segStart < 0) {
          segStart = i
          segFirstSeq = nextSeq
        }
        nextSeq++
        if (restartWindow > 0) restartWindow--
      }
      close(n)

      if (nextSeq > 0) update(nextSeq - 1, arrivalMonoMs)
      const slope = slopeMs()
      const minStepMs = nominalPeriodMs / 2
      for (const segment of segments) {
        const stamps = new Float64Array(segment.count)
        for (let k = 0; k < segment.count; k++) {
          const seq = segment.firstSeq + k
          let t = meanY + (seq - meanX) * slope
          if (t < lastStampMs + minStepMs) t = lastStampMs + minStepMs
          stamps[k] = t
          lastStampMs = t
        }
        segment.timestampsMonoMs = stamps
      }
      return { segments, gaps, duplicates }
    }
  }
}
