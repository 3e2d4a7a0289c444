/**
 * mulberry32: a small, fast, seedable PRNG, deterministic across platforms. Good enough for signal
 * synthesis, fault injection and test data; not for anything secret. (The driving game uses its own
 * forkable sfc32 streams: src/renderer/src/game/sim/prng.ts.)
 */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
