/**
 * Seeded PRNG for the drive. sfc32 (small, fast, passes PractRand to 2^60) seeded through splitmix32,
 * so nearby seeds give unrelated streams. Each concern (road, gusts, stimuli) takes its own stream
 * from `forkSeed(seed, label)`: adding a gust never shifts the stimulus schedule.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

export function createPrng(seed: number): Prng {
  const init = splitmix32(seed)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  // discard the first outputs: sfc32 mixes its state within a dozen rounds
  for (let i = 0; i < 12; i++) nextUint32()
  const next = () => nextUint32() / 4294967296
  return { next, uniform: (min, max) => min + (max - min) * next() }
}

/** A child seed for one concern: FNV-1a of the label, mixed with the parent seed. */
export function forkSeed(seed: number, label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
  return splitmix32((seed ^ h) >>> 0)()
}
