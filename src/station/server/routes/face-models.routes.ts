/**
 * Serves the face-tracking models (BlazeFace, FaceMesh, Iris) to the renderer from the installed
 * @vladmandic/human package, so face tracking works offline: no CDN or model hub is ever asked.
 * Only the files of the face stack are exposed (an allow-list, not a directory listing).
 */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { createReadStream, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { VigilError } from '../../../shared/errors'

export const FACE_MODEL_FILES = ['blazeface.json', 'blazeface.bin', 'facemesh.json', 'facemesh.bin', 'iris.json', 'iris.bin'] as const

function humanModelsDir(): string {
  // The package's "require" export is dist/human.node.js; models/ sits beside dist/.
  const entry = createRequire(import.meta.url).resolve('@vladmandic/human')
  return join(dirname(entry), '..', 'models')
}

export async function faceModelRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const dir = humanModelsDir()
  app.get(
    '/face-models/:file',
    {
      schema: {
        tags: ['face'],
        summary: 'Face-tracking model files for the renderer (served locally, never from a CDN)',
        params: z.object({ file: z.enum(FACE_MODEL_FILES) })
      }
    },
    async (request, reply) => {
      const path = join(dir, request.params.file)
      if (!existsSync(path)) throw new VigilError('NOT_FOUND', `Model file ${request.params.file} is missing from the installed @vladmandic/human package`)
      reply.header('Cache-Control', 'public, max-age=86400')
      reply.type(request.params.file.endsWith('.json') ? 'application/json' : 'application/octet-stream')
      return reply.send(createReadStream(path))
    }
  )
}
