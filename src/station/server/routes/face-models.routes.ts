/**
 * Serves the face-tracking models (BlazeFace, FaceMesh, Iris) from the installed @vladmandic/human
 * package and tfjs' WASM backend binaries from @tensorflow/tfjs-backend-wasm (the version Human
 * bundles), so face tracking works offline: no CDN or model hub is ever asked (Human's default
 * wasmPath is a CDN). Only the files of the face stack are exposed (an allow-list, not a listing).
 */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { createReadStream, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { VigilError } from '../../../shared/errors'

export const FACE_MODEL_FILES = ['blazeface.json', 'blazeface.bin', 'facemesh.json', 'facemesh.bin', 'iris.json', 'iris.bin'] as const
/** tfjs picks one by the browser's features; the threaded build needs cross-origin isolation, which the station does not set. */
export const FACE_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const

/** Where each package keeps the files, resolved once when the routes are registered. */
function packageDirs(): { models: string; wasm: string } {
  const require = createRequire(import.meta.url)
  return {
    // Human's "require" export is dist/human.node.js, with models/ beside dist/.
    models: join(dirname(require.resolve('@vladmandic/human')), '..', 'models'),
    // The WASM binaries sit beside tfjs-backend-wasm's main file in dist/.
    wasm: dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))
  }
}

const CONTENT_TYPES: Record<string, string> = { json: 'application/json', bin: 'application/octet-stream', wasm: 'application/wasm' }

export async function faceModelRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const dirs = packageDirs()
  app.get(
    '/face-models/:file',
    {
      schema: {
        tags: ['face'],
        summary: 'Face-tracking model files and tfjs WASM binaries for the renderer (served locally, never from a CDN)',
        params: z.object({ file: z.enum([...FACE_MODEL_FILES, ...FACE_WASM_FILES]) })
      }
    },
    async (request, reply) => {
      const { file } = request.params
      const isWasm = file.endsWith('.wasm')
      const path = join(isWasm ? dirs.wasm : dirs.models, file)
      if (!existsSync(path)) throw new VigilError('NOT_FOUND', `${file} is missing from the installed ${isWasm ? '@tensorflow/tfjs-backend-wasm' : '@vladmandic/human'} package`)
      reply.header('Cache-Control', 'public, max-age=86400')
      reply.type(CONTENT_TYPES[file.split('.').pop()!])
      return reply.send(createReadStream(path))
    }
  )
}
