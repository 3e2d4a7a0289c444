/** Every REST and WebSocket route of the station, mounted under /api/v1. One line per route module. */
import type { FastifyInstance } from 'fastify'
import { faceModelRoutes } from './face-models.routes'
import { healthRoutes } from './health.routes'

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes)
  await app.register(faceModelRoutes)
}
