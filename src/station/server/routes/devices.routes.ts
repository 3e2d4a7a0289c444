/** /devices: serial port discovery, headset status, connect and disconnect (researchers and admins). */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { errorResponseSchema } from '../../../shared/schemas/common'
import {
  deviceConnectSchema,
  devicePortListSchema,
  deviceStatusSchema
} from '../../../shared/schemas/devices'
import { listSerialPorts } from '../../devices/serial/port-discovery'
import { bearerSecurity, requireRole } from '../plugins/auth'
import { toDeviceStatusResponse } from '../responses'


const errors = { 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema, 422: errorResponseSchema, 502: errorResponseSchema }

export async function deviceRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.addHook('preHandler', app.authenticate)
  app.addHook('preHandler', requireRole('researcher', 'admin'))

  app.get(
    '/devices/ports',
    {
      schema: {
        tags: ['devices'],
        summary: 'Serial ports with USB ids and a guess of the headset behind each',
        security: bearerSecurity,
        response: { 200: devicePortListSchema, ...errors }
      }
    },
    async () => {
      const ports = await listSerialPorts()
      return {
        data: ports.map((p) => ({
          path: p.path,
          manufacturer: p.manufacturer,
          serial_number: p.serialNumber,
          vendor_id: p.vendorId,
          product_id: p.productId,
          guess: p.guess
        })),
        count: ports.length
      }
    }
  )

  app.get(
    '/devices/status',
    {
      schema: {
        tags: ['devices'],
        summary: 'Headset state, descriptor, counters (samples, gaps, parse errors, reconnects) and per-channel quality',
        security: bearerSecurity,
        response: { 200: deviceStatusSchema, ...errors }
      }
    },
    async () => toDeviceStatusResponse(app.ctx.devices.status())
  )

  app.post(
    '/devices/connect',
    {
      schema: {
        tags: ['devices'],
        summary: 'Connect a headset (replaces the connected one); resolves once the port is open and streaming',
        security: bearerSecurity,
        body: deviceConnectSchema,
        response: { 200: deviceStatusSchema, ...errors }
      }
    },
    async (request) => {
      const { kind, path } = request.body
      const baudRate = request.body.baud_rate ?? request.body.baudRate
      request.log.info({ kind, path, user: request.user.id }, 'headset connect requested')
      return toDeviceStatusResponse(await app.ctx.devices.connect({ kind, path, baudRate, lsl: app.ctx.config.lsl }))
    }
  )

  app.post(
    '/devices/disconnect',
    {
      schema: {
        tags: ['devices'],
        summary: 'Disconnect the headset (idempotent)',
        security: bearerSecurity,
        response: { 200: deviceStatusSchema, ...errors }
      }
    },
    async (request) => {
      request.log.info({ user: request.user.id }, 'headset disconnect requested')
      await app.ctx.devices.disconnect()
      return toDeviceStatusResponse(app.ctx.devices.status())
    }
  )
}
