/** Every REST and WebSocket route of the station, mounted under /api/v1. One line per route module. */
import type { FastifyInstance } from 'fastify'
import { authPlugin } from '../plugins/auth'
import { alertRoutes } from './alerts.routes'
import { auditRoutes } from './audit.routes'
import { authRoutes } from './auth.routes'
import { deviceRoutes } from './devices.routes'
import { exportRoutes } from './export.routes'
import { faceModelRoutes } from './face-models.routes'
import { healthRoutes } from './health.routes'
import { participantRoutes } from './participants.routes'
import { lslRoutes } from './lsl.routes'
import { liveHistoryRoutes } from './live-history.routes'
import { sessionRoutes } from './sessions.routes'
import { syncRoutes } from './sync.routes'
import { userRoutes } from './users.routes'
import { wsRoutes } from './ws.routes'

export async function registerRoutes(app: FastifyInstance): Promise<void> {
  // First: decorates `app.authenticate` / `request.user` for every route registered below.
  await app.register(authPlugin)
  await app.register(healthRoutes)
  await app.register(authRoutes)
  await app.register(userRoutes)
  await app.register(sessionRoutes)
  await app.register(participantRoutes)
  await app.register(deviceRoutes)
  await app.register(alertRoutes)
  await app.register(liveHistoryRoutes)
  await app.register(syncRoutes)
  await app.register(exportRoutes)
  await app.register(faceModelRoutes)
  await app.register(auditRoutes)
  await app.register(lslRoutes)
  await app.register(wsRoutes)
}
