/** /devices: serial port discovery, headset status, connect and disconnect (researchers and admins). */
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { stat } from 'node:fs/promises'
import { VigilError } from '../../../shared/errors'
import { SERIAL_HEADSET_KINDS, type SerialHeadsetKind } from '../../../shared/headsets'
import { errorResponseSchema } from '../../../shared/schemas/common'
import {
  deviceConnectSchema,
  devicePortListSchema,
  deviceStatusSchema
} from '../../../shared/schemas/devices'
import { listSerialPorts, type DiscoveredPort } from '../../devices/serial/port-discovery'
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
      if (path !== undefined && request.user.role !== 'admin' && (SERIAL_HEADSET_KINDS as readonly string[]).includes(kind)) {
        await assertSerialDevicePath(path, await listSerialPorts())
      }
      return toDeviceStatusResponse(await app.ctx.devices.connect({ kind, path, baudRate }))
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

/**
 * A researcher may open serial ports, not probe the station's file system. The driver's errors tell
 * "not found" from "permission denied" from "not a tty", which answered "does /home/alice/.ssh/id_rsa
 * exist?" for any path. So a non-admin's path must be a discovered serial port or a character device
 * (a tty or pty, e.g. a headset emulator); everything else (missing, a regular file, a directory, not
 * readable to the station) gets one answer, before any driver opens it, naming the ports that exist.
 * Admins get the driver's precise reason.
 */
async function assertSerialDevicePath(path: string, ports: readonly DiscoveredPort[]): Promise<void> {
  if (ports.some((p) => p.path === path)) return
  const isCharacterDevice = await stat(path).then(
    (s) => s.isCharacterDevice(),
    () => false
  )
  if (isCharacterDevice) return
  const known = ports.length > 0 ? `Serial ports on this station: ${ports.map(describePort).join(', ')}.` : 'No serial port was found on this station: is the dongle plugged in?'
  throw new VigilError(
    'DEVICE_PORT_NOT_FOUND',
    `${JSON.stringify(path)} is not a serial port on this station. ${known} An admin sees the exact reason a path cannot be opened.`,
    { path, ports: ports.map((p) => p.path) }
  )
}

function describePort(port: DiscoveredPort): string {
  const guess = port.guess ? ` (${port.guess.model}, maybe ${port.guess.kind satisfies SerialHeadsetKind})` : ''
  return `${port.path}${guess}`
}
