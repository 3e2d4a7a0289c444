import { describe, expect, it } from 'vitest'
import { faceBackendOrder as backendOrder } from '../../../src/renderer/src/face/features'

describe('face tracker backend order', () => {
  it('prefers WebGL on a real GPU, WASM without one, and always ends with the CPU backend', () => {
    expect(backendOrder(undefined, 'hardware')).toEqual(['webgl', 'wasm', 'cpu'])
    // SwiftShader/llvmpipe WebGL is slower than WASM SIMD (bench/face), but still beats plain JS.
    expect(backendOrder(undefined, 'software')).toEqual(['wasm', 'webgl', 'cpu'])
    expect(backendOrder(undefined, 'none')).toEqual(['wasm', 'cpu'])
  })

  it('tries a forced backend first, with the CPU backend as the only fallback', () => {
    expect(backendOrder('webgl', 'none')).toEqual(['webgl', 'cpu'])
    expect(backendOrder('wasm', 'hardware')).toEqual(['wasm', 'cpu'])
    expect(backendOrder('cpu', 'hardware')).toEqual(['cpu'])
  })
})
