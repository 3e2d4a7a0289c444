import { statfsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JWT_SECRET_FILE } from '../../src/station/secrets'
import { startTestStation, type TestStation } from '../helpers/station'
import { waitUntil } from '../helpers/wait'

describe('station with the simulated headset', () => {
  let t: TestStation
  beforeAll(async () => {
    t = await startTestStation({ device: { kind: 'simulated' } })
  })
  afterAll(() => t.close())

  it('answers /api/v1/health while the simulated headset streams', async () => {
    const first = (await (await fetch(`${t.baseUrl}/api/v1/health`)).json()) as { status: string; device: { state: string; samples_received: number } }
    expect(first.status).toBe('ok')
    expect(first.device.state).toBe('streaming')
    const second = await waitUntil(async () => {
      const health = (await (await fetch(`${t.baseUrl}/api/v1/health`)).json()) as { device: { samples_received: number } }
      return health.device.samples_received > first.device.samples_received && health
    }, { what: 'more samples received than at the first health check' })
    expect(second.device.samples_received).toBeGreaterThan(first.device.samples_received)
  })

  it('reports the free space of the database disk in /api/v1/health, with a warning level', async () => {
    const { storage } = (await (await fetch(`${t.baseUrl}/api/v1/health`)).json()) as { storage: { free_bytes: number; level: string } }
    const onDisk = statfsSync(t.dataDir)
    // Other processes write meanwhile: the same disk, give or take 1%.
    expect(Math.abs(storage.free_bytes - onDisk.bavail * onDisk.bsize)).toBeLessThan(onDisk.blocks * onDisk.bsize * 0.01)
    expect(storage.level).toBe(storage.free_bytes >= 2e9 ? 'ok' : storage.free_bytes >= 0.5e9 ? 'low' : 'critical')
    // A threshold no disk meets: the station says so.
    const strict = await startTestStation({ storage: { lowDiskWarnGb: 1e9 } })
    try {
      const health = (await (await fetch(`${strict.baseUrl}/api/v1/health`)).json()) as { storage: { level: string } }
      expect(health.storage.level).toBe('critical')
    } finally {
      await strict.close()
    }
  })

  it('serves OpenAPI 3 at /api/v1/openapi.json and Swagger UI at /docs', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toContain('/api/v1/health')
    const docs = await fetch(`${t.baseUrl}/docs/`)
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain('swagger')
  })

  it('answers unknown API paths with a FastAPI-shaped 404', async () => {
    const response = await fetch(`${t.baseUrl}/api/v1/does-not-exist`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ detail: 'Not Found: GET /api/v1/does-not-exist', code: 'NOT_FOUND' })
  })

  it('sends security headers and honours the CORS allow-list', async () => {
    const own = await fetch(`${t.baseUrl}/api/v1/health`, { headers: { origin: t.baseUrl } })
    expect(own.headers.get('x-content-type-options')).toBe('nosniff')
    expect(own.headers.get('content-security-policy')).toContain("default-src 'self'")
    // Plain HTTP: no upgrade to https:// (a remote browser would get a blank page) and no HSTS.
    expect(own.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests')
    expect(own.headers.get('strict-transport-security')).toBeNull()
    expect(own.headers.get('access-control-allow-origin')).toBe(t.baseUrl)
    const foreign = await fetch(`${t.baseUrl}/api/v1/health`, { headers: { origin: 'http://evil.example' } })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('keeps a 256-bit JWT secret in the data dir, readable only by its owner', () => {
    const stat = statSync(join(t.dataDir, JWT_SECRET_FILE))
    expect(stat.mode & 0o777).toBe(0o600)
    expect(t.station.ctx.jwtSecret.length).toBe(32)
  })
})

describe('station lifecycle', () => {
  it('stops in reverse order and can be stopped twice', async () => {
    const t = await startTestStation({ device: { kind: 'simulated' } })
    const url = t.baseUrl
    await t.station.stop()
    expect(t.station.isRunning).toBe(false)
    expect(t.station.ctx.devices.status().state).toBe('disconnected')
    expect(t.station.ctx.db.open).toBe(false)
    await expect(fetch(`${url}/api/v1/health`)).rejects.toThrow()
    await t.close()
  })

  it('keeps its station id across restarts of the same data dir', async () => {
    const first = await startTestStation()
    const id = first.station.ctx.stationId
    await first.station.stop()
    const { loadConfig } = await import('../../src/station/config')
    const { createStation } = await import('../../src/station/station')
    const { createLogger } = await import('../../src/station/logger')
    const again = createStation(loadConfig({ env: {}, base: { dataDir: first.dataDir, server: { port: 0 }, device: { kind: 'none' } } }), { logger: createLogger('silent') })
    await again.start()
    expect(again.ctx.stationId).toBe(id)
    await again.stop()
    await first.close()
  })
})
