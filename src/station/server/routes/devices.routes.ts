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
import {
  impedanceCheckListSchema,
  impedanceCheckParamsSchema,
  impedanceCheckQuerySchema,
  impedanceCheckRequestSchema,
  impedanceCheckSchema,
  impedanceOverrideSchema
} from '../../../shared/schemas/impedance'
import { createImpedanceStore, type StoredImpedanceCheck } from '../../devices/impedance/impedance-store'
import { createMontageStore } from '../../sessions/montage.repository'
import { listSerialPorts, type DiscoveredPort } from '../../devices/serial/port-discovery'
import { auditRequest } from '../audit-request'
import { findSession } from '../../sessions/sessions.repository'
import { bearerSecurity, requireRole } from '../plugins/auth'
import { toDeviceStatusResponse } from '../responses'


function toImpedanceCheckResponse(check: StoredImpedanceCheck) {
  return {
    id: check.id,
    session_id: check.sessionId,
    t_ms: check.tMs,
    method: check.method,
    passed: check.passed,
    thresholds: { good_below_kohm: check.thresholds.goodBelowKohm, acceptable_below_kohm: check.thresholds.acceptableBelowKohm },
    electrodes: check.electrodes.map((e) => ({ channel: e.channel, label: e.label, pin: e.pin, impedance_kohm: e.impedanceKohm, rating: e.rating }))
  }
}

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
      const attempt = async () => {
        if (path !== undefined && request.user.role !== 'admin' && (SERIAL_HEADSET_KINDS as readonly string[]).includes(kind)) {
          await assertSerialDevicePath(path, await listSerialPorts())
        }
        return app.ctx.devices.connect({ kind, path, baudRate, lsl: app.ctx.config.lsl })
      }
      // A refused path is audited like a failed open: both are attempts on the station's devices.
      const status = await attempt().catch((err: unknown) => {
        auditRequest(request, 'device.connect_failed', { type: 'device', id: path ?? kind }, { kind, path, code: (err as { code?: string }).code ?? 'INTERNAL' })
        throw err
      })
      auditRequest(request, 'device.connected', { type: 'device', id: path ?? kind }, { kind, path })
      return toDeviceStatusResponse(status)
    }
  )

  const impedanceStore = createImpedanceStore(app.ctx.db)
  const montageStore = createMontageStore(app.ctx.db)
  const requireSession = (id: string): void => {
    if (!findSession(app.ctx.db, id)) throw new VigilError('NOT_FOUND', `No session ${id}`)
  }

  app.post(
    '/devices/impedance-check',
    {
      schema: {
        tags: ['devices'],
        summary: 'Measure every electrode’s impedance (Cyton lead-off current, or the simulated headset) and store it with the session',
        description:
          'Takes about 1.25 s per channel and pin on a Cyton. The samples carry the 31.25 Hz test tone meanwhile: run it before recording or during a pause. 409 DEVICE_IMPEDANCE_UNSUPPORTED for ThinkGear and line-protocol headsets.',
        security: bearerSecurity,
        body: impedanceCheckRequestSchema,
        response: { 200: impedanceCheckSchema, ...errors }
      }
    },
    async (request) => {
      const sessionId = request.body.session_id ?? null
      if (sessionId) requireSession(sessionId)
      const t = request.body.thresholds
      const measurement = await app.ctx.devices.checkImpedance({
        pins: request.body.pins,
        thresholds: t ? { goodBelowKohm: t.good_below_kohm, acceptableBelowKohm: t.acceptable_below_kohm } : undefined
      })
      // With the session's montage the check names electrodes as every file of the session will.
      const montage = sessionId ? montageStore.latest(sessionId) : null
      const labelled =
        montage && measurement.electrodes.every((e) => e.channel < montage.electrodes.length)
          ? { ...measurement, electrodes: measurement.electrodes.map((e) => ({ ...e, label: montage.electrodes[e.channel].label })) }
          : measurement
      const stored = impedanceStore.record(sessionId, labelled)
      request.log.info({ session: sessionId, passed: stored.passed, user: request.user.id }, 'impedance check')
      return toImpedanceCheckResponse(stored)
    }
  )

  app.get(
    '/devices/impedance-checks',
    {
      schema: {
        tags: ['devices'],
        summary: 'The impedance checks stored with a session, oldest first',
        security: bearerSecurity,
        querystring: impedanceCheckQuerySchema,
        response: { 200: impedanceCheckListSchema, ...errors }
      }
    },
    async (request) => {
      requireSession(request.query.session_id)
      const data = impedanceStore.listForSession(request.query.session_id).map(toImpedanceCheckResponse)
      return { data, count: data.length }
    }
  )

  app.post(
    '/devices/impedance-checks/:id/override',
    {
      schema: {
        tags: ['devices'],
        summary: 'Record that the recording goes ahead although this stored check failed (who, when, which electrodes)',
        security: bearerSecurity,
        params: impedanceCheckParamsSchema,
        response: { 201: impedanceOverrideSchema, ...errors }
      }
    },
    async (request, reply) => {
      const check = impedanceStore.find(request.params.id)
      if (!check || check.sessionId === null) throw new VigilError('NOT_FOUND', `No impedance check ${request.params.id} stored with a session`)
      if (check.passed) throw new VigilError('CONFLICT', 'That check passed: there is nothing to override')
      const override = impedanceStore.recordOverride({ ...check, sessionId: check.sessionId }, request.user.id, app.ctx.clock.wallMs())
      request.log.warn({ session: check.sessionId, check: check.id, bad: override.badElectrodes, user: request.user.id }, 'recording despite a failed impedance check')
      reply.code(201)
      return { check_id: override.checkId, session_id: override.sessionId, t_ms: override.tMs, user_id: override.userId, bad_electrodes: override.badElectrodes }
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
      const before = app.ctx.devices.status().descriptor
      await app.ctx.devices.disconnect()
      auditRequest(request, 'device.disconnected', { type: 'device', id: before?.port ?? before?.kind ?? null }, { kind: before?.kind })
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
