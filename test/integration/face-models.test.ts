import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FACE_MODEL_FILES, FACE_WASM_FILES } from '../../src/station/server/routes/face-models.routes'
import { startTestStation, type TestStation } from '../helpers/station'

const require = createRequire(import.meta.url)

describe('GET /api/v1/face-models/:file (what the renderer loads instead of a CDN)', () => {
  let t: TestStation
  beforeAll(async () => {
    t = await startTestStation()
  })
  afterAll(() => t.close())

  it('serves the face models and the tfjs WASM binaries from the installed packages, with their types', async () => {
    const expected: [string, string, string][] = [
      ...FACE_MODEL_FILES.map((f): [string, string, string] => [f, join(dirname(require.resolve('@vladmandic/human')), '..', 'models', f), f.endsWith('.json') ? 'application/json' : 'application/octet-stream']),
      ...FACE_WASM_FILES.map((f): [string, string, string] => [f, join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), f), 'application/wasm'])
    ]
    for (const [file, onDisk, type] of expected) {
      const res = await t.fetch(`${t.baseUrl}/api/v1/face-models/${file}`)
      expect(res.status, file).toBe(200)
      expect(res.headers.get('content-type'), file).toContain(type)
      expect((await res.arrayBuffer()).byteLength, file).toBe(statSync(onDisk).size)
    }
    // A WebAssembly module, byte for byte (WebAssembly.instantiateStreaming also insists on the type above).
    const wasm = Buffer.from(await (await t.fetch(`${t.baseUrl}/api/v1/face-models/tfjs-backend-wasm-simd.wasm`)).arrayBuffer())
    expect(wasm.subarray(0, 8)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]))
  })

  it('serves nothing outside the allow-list', async () => {
    for (const path of ['package.json', '..%2Fpackage.json', 'tfjs-backend-wasm-threaded-simd.worker.js', 'human.esm.js']) {
      const res = await t.fetch(`${t.baseUrl}/api/v1/face-models/${path}`)
      expect(res.status, path).toBe(422)
    }
  })
})
