/**
 * The audit trail (issue 23 item 9): every audited action leaves its row (one table), only admins read
 * it, rows cannot be changed, the CSV is the JSON, and no password or token ever lands in it.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEventResponse } from '../../src/shared/schemas/audit'
import { AUDIT_CSV_COLUMNS } from '../../src/shared/schemas/audit'
import { sanitizeDetail } from '../../src/station/audit'
import { auditCsvCell } from '../../src/station/audit/audit-csv'
import { loadConfig } from '../../src/station/config'
import { createLogger } from '../../src/station/logger'
import { createStation } from '../../src/station/station'
import { authHeader, login, registerAndLogin, TEST_PASSWORD, type LoggedInUser } from '../helpers/auth'
import { seedExportSession } from '../helpers/export-session'
import { makeTempDir, startTestStation, type TestStation } from '../helpers/station'
import { TestClient } from '../helpers/ws-client'

interface Expected {
  actor: 'admin' | 'researcher' | 'subject' | null
  actorEmail?: string
  targetType?: AuditEventResponse['target_type']
  targetId?: () => string | null
  detail?: Record<string, unknown>
}

describe('audit trail', () => {
  let t: TestStation
  let admin: LoggedInUser
  let researcher: LoggedInUser
  let student: LoggedInUser
  /** The account the user-related cases act on. */
  let subject: LoggedInUser
  let sessionId = ''
  let exportSessionId = ''
  let downloadUrl = ''
  const secrets: string[] = []

  async function api(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
    const res = await t.fetch(`${t.baseUrl}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.token ? authHeader(init.token) : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body)
    })
    const text = await res.text()
    const isJson = res.headers.get('content-type')?.includes('json')
    return { status: res.status, headers: res.headers, text, body: isJson && text ? JSON.parse(text) : undefined }
  }

  async function newest(action: string): Promise<AuditEventResponse> {
    const res = await api(`/audit?action=${action}&limit=1`, { token: admin.accessToken })
    expect(res.status).toBe(200)
    expect(res.body.data, `no ${action} row`).toHaveLength(1)
    return res.body.data[0]
  }

  async function countOf(action: string): Promise<number> {
    return (await api(`/audit?action=${action}&limit=1`, { token: admin.accessToken })).body.count
  }

  async function patchSession(status: string) {
    const res = await api(`/sessions/${sessionId}`, { method: 'PATCH', token: researcher.accessToken, body: { status } })
    expect(res.status, res.text).toBe(200)
  }

  beforeAll(async () => {
    t = await startTestStation()
    admin = await registerAndLogin(t, { role: 'admin' })
    researcher = await registerAndLogin(t, { role: 'researcher' })
    student = await registerAndLogin(t, { role: 'student' })
    exportSessionId = seedExportSession(t.station.ctx.db, { seconds: 2, createdBy: admin.user.id }).sessionId
  })

  afterAll(async () => {
    await t?.close()
  })

  const cases: { action: string; run: () => Promise<void>; expected: Expected }[] = [
    {
      action: 'auth.registered',
      run: async () => {
        subject = await registerAndLogin(t, { role: 'student', email: `Subject-${process.pid}@Lab.test` })
        secrets.push(subject.accessToken, subject.refreshToken)
      },
      expected: { actor: 'subject', targetType: 'user', targetId: () => subject.user.id, detail: { role: 'student' } }
    },
    {
      action: 'auth.login_succeeded',
      run: async () => void secrets.push(...Object.values(await login(t, subject.user.email))),
      expected: { actor: 'subject', targetType: 'user', targetId: () => subject.user.id }
    },
    {
      action: 'auth.login_failed',
      run: async () => {
        await expect(login(t, '  Nobody@LAB.test ', 'wrong password 1')).rejects.toThrow(/401/)
      },
      expected: { actor: null, actorEmail: 'nobody@lab.test', detail: { reason: 'bad_credentials' } }
    },
    {
      action: 'auth.login_failed',
      run: async () => {
        await expect(login(t, subject.user.email, 'wrong password 2')).rejects.toThrow(/401/)
      },
      expected: { actor: null, actorEmail: `subject-${process.pid}@lab.test`, targetType: 'user', targetId: () => subject.user.id, detail: { reason: 'bad_credentials' } }
    },
    {
      action: 'auth.logged_out',
      run: async () => {
        const pair = await login(t, subject.user.email)
        expect((await api('/auth/logout', { method: 'POST', body: { refresh_token: pair.refreshToken } })).status).toBe(204)
      },
      expected: { actor: 'subject', targetType: 'user', targetId: () => subject.user.id }
    },
    {
      action: 'user.password_changed',
      run: async () => {
        const res = await api('/users/me', { method: 'PATCH', token: subject.accessToken, body: { password: 'a brand new passphrase', current_password: TEST_PASSWORD } })
        expect(res.status, res.text).toBe(200)
        secrets.push('a brand new passphrase')
      },
      expected: { actor: 'subject', targetType: 'user', targetId: () => subject.user.id }
    },
    {
      action: 'user.role_changed',
      run: async () => {
        expect((await api(`/users/${subject.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { role: 'researcher' } })).status).toBe(200)
      },
      expected: { actor: 'admin', targetType: 'user', targetId: () => subject.user.id, detail: { role_from: 'student', role_to: 'researcher' } }
    },
    {
      action: 'user.deactivated',
      run: async () => {
        expect((await api(`/users/${subject.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { is_active: false } })).status).toBe(200)
      },
      expected: { actor: 'admin', targetType: 'user', targetId: () => subject.user.id, detail: { is_active_from: true, is_active_to: false } }
    },
    {
      action: 'user.updated',
      run: async () => {
        expect((await api(`/users/${subject.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { full_name: 'Renamed' } })).status).toBe(200)
      },
      expected: { actor: 'admin', targetType: 'user', targetId: () => subject.user.id, detail: { full_name_to: 'Renamed' } }
    },
    {
      action: 'session.created',
      run: async () => {
        const res = await api('/sessions', { method: 'POST', token: researcher.accessToken, body: { name: 'audited drive', participant_code: 'P07' } })
        expect(res.status).toBe(201)
        sessionId = res.body.id
      },
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { name: 'audited drive' } }
    },
    {
      action: 'session.updated',
      run: async () => {
        expect((await api(`/sessions/${sessionId}`, { method: 'PATCH', token: researcher.accessToken, body: { notes: 'quiet room' } })).status).toBe(200)
      },
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { from: 'planned', to: 'planned', fields: 'notes' } }
    },
    {
      action: 'session.started',
      run: () => patchSession('recording'),
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { from: 'planned', to: 'recording' } }
    },
    {
      action: 'live_view.opened',
      run: async () => {
        const client = await TestClient.connect(t.baseUrl, `/ws/session/${sessionId}`, { token: researcher.accessToken })
        client.close()
        await client.closed
      },
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { role: 'researcher' } }
    },
    {
      action: 'session.paused',
      run: () => patchSession('paused'),
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { from: 'recording', to: 'paused' } }
    },
    {
      action: 'session.resumed',
      run: () => patchSession('recording'),
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { from: 'paused', to: 'recording' } }
    },
    {
      action: 'session.stopped',
      run: () => patchSession('completed'),
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { from: 'recording', to: 'completed' } }
    },
    {
      action: 'session.deleted',
      run: async () => {
        expect((await api(`/sessions/${sessionId}`, { method: 'DELETE', token: researcher.accessToken })).status).toBe(204)
      },
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId }
    },
    {
      action: 'session.aborted',
      run: async () => {
        const res = await api('/sessions', { method: 'POST', token: researcher.accessToken, body: { name: 'aborted drive', participant_code: 'P08' } })
        sessionId = res.body.id
        await patchSession('aborted')
      },
      expected: { actor: 'researcher', targetType: 'session', targetId: () => sessionId, detail: { from: 'planned', to: 'aborted' } }
    },
    {
      action: 'export.downloaded',
      run: async () => {
        const res = await api(`/sessions/${exportSessionId}/export?format=csv`, { token: admin.accessToken })
        expect(res.status).toBe(200)
      },
      expected: { actor: 'admin', targetType: 'session', targetId: () => exportSessionId, detail: { format: 'csv' } }
    },
    {
      action: 'export.link_created',
      run: async () => {
        const res = await api(`/sessions/${exportSessionId}/export/link`, { method: 'POST', token: admin.accessToken, body: { format: 'edf' } })
        expect(res.status).toBe(200)
        downloadUrl = res.body.url
        secrets.push(downloadUrl.split('/').pop()!)
      },
      expected: { actor: 'admin', targetType: 'session', targetId: () => exportSessionId, detail: { format: 'edf' } }
    },
    {
      action: 'export.link_used',
      run: async () => {
        const res = await t.fetch(`${t.baseUrl}${downloadUrl}`)
        expect(res.status).toBe(200)
        await res.arrayBuffer()
      },
      expected: { actor: 'admin', targetType: 'session', targetId: () => exportSessionId }
    },
    {
      action: 'device.connected',
      run: async () => {
        const res = await api('/devices/connect', { method: 'POST', token: researcher.accessToken, body: { kind: 'simulated' } })
        expect(res.status, res.text).toBe(200)
      },
      expected: { actor: 'researcher', targetType: 'device', detail: { kind: 'simulated' } }
    },
    {
      action: 'device.disconnected',
      run: async () => {
        expect((await api('/devices/disconnect', { method: 'POST', token: researcher.accessToken })).status).toBe(200)
      },
      expected: { actor: 'researcher', targetType: 'device', detail: { kind: 'simulated' } }
    },
    {
      action: 'device.connect_failed',
      run: async () => {
        const res = await api('/devices/connect', { method: 'POST', token: researcher.accessToken, body: { kind: 'thinkgear', path: '/dev/does-not-exist' } })
        expect(res.status).toBe(404)
      },
      expected: { actor: 'researcher', targetType: 'device', targetId: () => '/dev/does-not-exist', detail: { kind: 'thinkgear', code: 'DEVICE_PORT_NOT_FOUND' } }
    }
  ]

  it.each(cases.map((c, i) => ({ ...c, name: `${i + 1}. ${c.action}` })))('$name leaves its row', async ({ action, run, expected }) => {
    const before = await countOf(action)
    await run()
    expect(await countOf(action)).toBe(before + 1)
    const row = await newest(action)
    const actors = { admin, researcher, subject }
    const actor = expected.actor === null ? null : actors[expected.actor]
    expect(row.actor_id).toBe(actor?.user.id ?? null)
    expect(row.actor_email).toBe(expected.actorEmail ?? actor?.user.email ?? null)
    expect(row.station_id).toBe(t.station.ctx.stationId)
    // Injected requests come from 127.0.0.1 like a local window; WebSockets over loopback too.
    expect(row.client_address).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/)
    if (expected.targetType) expect(row.target_type).toBe(expected.targetType)
    if (expected.targetId) expect(row.target_id).toBe(expected.targetId())
    if (expected.detail) expect(row.detail).toMatchObject(expected.detail)
    expect(Math.abs(Date.parse(row.time) - Date.now())).toBeLessThan(60_000)
  })

  it('records the settings a station started with', async () => {
    const row = await newest('settings.changed')
    expect(row.actor_id).toBeNull()
    expect(row.detail).toMatchObject({ is_first_start: true })
  })

  it('is documented in the OpenAPI document, from the zod schemas', async () => {
    const doc = (await api('/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: { name: string }[] }>>; components: { schemas: Record<string, unknown> } }
    expect(doc.paths['/api/v1/audit'].get.parameters?.map((p) => p.name).sort()).toEqual(['action', 'actor_email', 'actor_id', 'from', 'limit', 'skip', 'target_id', 'target_type', 'to'])
    expect(doc.paths['/api/v1/audit.csv'].get).toBeDefined()
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['AuditEvent', 'AuditPage', 'AuditAction']))
  })

  it('refuses the trail to researchers and students (403) and to anonymous callers (401)', async () => {
    for (const path of ['/audit', '/audit.csv']) {
      expect((await api(path, { token: researcher.accessToken })).status).toBe(403)
      expect((await api(path, { token: student.accessToken })).status).toBe(403)
      expect((await api(path)).status).toBe(401)
    }
  })

  it('filters by actor, action, target and time, and pages', async () => {
    const all = (await api('/audit?limit=500', { token: admin.accessToken })).body as { data: AuditEventResponse[]; count: number }
    expect(all.count).toBe(all.data.length)
    expect(all.data.map((r) => r.id)).toEqual(all.data.map((r) => r.id).sort((a, b) => b - a))

    const byActor = (await api(`/audit?actor_id=${researcher.user.id}&limit=500`, { token: admin.accessToken })).body
    expect(byActor.count).toBe(all.data.filter((r) => r.actor_id === researcher.user.id).length)
    expect(byActor.count).toBeGreaterThan(5)

    const byEmail = (await api(`/audit?actor_email=${encodeURIComponent('NOBODY@lab.test')}`, { token: admin.accessToken })).body
    expect(byEmail.data.map((r: AuditEventResponse) => r.action)).toEqual(['auth.login_failed'])

    const byTarget = (await api(`/audit?target_type=session&target_id=${exportSessionId}`, { token: admin.accessToken })).body
    expect(byTarget.data.map((r: AuditEventResponse) => r.action)).toEqual(['export.link_used', 'export.link_created', 'export.downloaded'])

    const pivot = all.data[Math.floor(all.data.length / 2)]
    const from = (await api(`/audit?from=${encodeURIComponent(pivot.time)}&limit=500`, { token: admin.accessToken })).body
    const to = (await api(`/audit?to=${encodeURIComponent(pivot.time)}&limit=500`, { token: admin.accessToken })).body
    expect(from.count + to.count).toBe(all.count)
    expect(from.data.every((r: AuditEventResponse) => r.time >= pivot.time)).toBe(true)
    expect(to.data.every((r: AuditEventResponse) => r.time < pivot.time)).toBe(true)

    const page = (await api('/audit?skip=2&limit=3', { token: admin.accessToken })).body
    expect(page.data.map((r: AuditEventResponse) => r.id)).toEqual(all.data.slice(2, 5).map((r) => r.id))
    expect(page.count).toBe(all.count)

    expect((await api('/audit?action=eeg.read', { token: admin.accessToken })).status).toBe(422)
    expect((await api('/audit?from=yesterday', { token: admin.accessToken })).status).toBe(422)
  })

  it('exports the same rows as CSV, with the same filters', async () => {
    const query = `actor_id=${researcher.user.id}`
    const csv = await api(`/audit.csv?${query}`, { token: admin.accessToken })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="vigil-audit-.*\.csv"/)
    const json = (await api(`/audit?${query}&limit=500`, { token: admin.accessToken })).body as { data: AuditEventResponse[] }
    const expected = [
      AUDIT_CSV_COLUMNS.join(','),
      ...json.data.map((r) => AUDIT_CSV_COLUMNS.map((c) => auditCsvCell(c === 'detail' ? JSON.stringify(r.detail) : r[c])).join(','))
    ]
    expect(csv.text.split('\r\n')).toEqual([...expected, ''])
    expect(json.data.length).toBeGreaterThan(5)
    // The download itself is on record, with the filter it used.
    expect((await newest('audit.exported')).detail).toMatchObject({ actor_id: researcher.user.id })
  })

  it('writes a formula-looking email into the CSV as text', async () => {
    await expect(login(t, '=HYPERLINK("http://evil.example")', 'whatever-password')).rejects.toThrow(/401/)
    const csv = await api('/audit.csv?action=auth.login_failed', { token: admin.accessToken })
    expect(csv.text).toContain(`"'=hyperlink(""http://evil.example"")"`)
    expect((await newest('auth.login_failed')).actor_email).toBe('=hyperlink("http://evil.example")')
  })

  it('refuses to change or delete a row, even straight in SQLite', () => {
    const { db } = t.station.ctx
    const id = (db.prepare('SELECT max(id) AS id FROM audit_events').get() as { id: number }).id
    expect(() => db.prepare("UPDATE audit_events SET action = 'session.created' WHERE id = ?").run(id)).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit_events WHERE id = ?').run(id)).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/)
    expect((db.prepare('SELECT count(*) AS n FROM audit_events WHERE id = ?').get(id) as { n: number }).n).toBe(1)
  })

  it('holds no password, token or download-link id', () => {
    const dump = JSON.stringify(t.station.ctx.db.prepare('SELECT * FROM audit_events').all())
    for (const secret of [TEST_PASSWORD, 'wrong password 1', 'wrong password 2', admin.accessToken, admin.refreshToken, researcher.accessToken, ...secrets]) {
      expect(dump).not.toContain(secret)
    }
  })
})

describe('settings changes', () => {
  it('are recorded as the difference from the previous start, and an unchanged restart records nothing', async () => {
    const dataDir = makeTempDir()
    const start = async (stationName: string) => {
      const config = loadConfig({ env: {}, base: { dataDir, stationName, server: { port: 0, host: '127.0.0.1' }, device: { kind: 'none' }, log: { level: 'silent' } } })
      const station = createStation(config, { logger: createLogger('silent') })
      await station.start()
      const rows = station.ctx.db.prepare("SELECT detail_json FROM audit_events WHERE action = 'settings.changed' ORDER BY id").all() as { detail_json: string }[]
      await station.stop()
      return rows.map((r) => JSON.parse(r.detail_json) as Record<string, unknown>)
    }
    try {
      const first = await start('bench-a')
      expect(first).toHaveLength(1)
      expect(first[0]).toMatchObject({ is_first_start: true })
      expect(await start('bench-a')).toHaveLength(1)
      const changed = await start('bench-b')
      expect(changed).toHaveLength(2)
      expect(changed[1]).toEqual({ changed_count: 1, stationName: 'bench-a → bench-b' })
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('audit detail', () => {
  it('drops anything named like a credential, bounds text, and keeps small facts', () => {
    const detail = sanitizeDetail({ password: 'x', new_password: 'y', access_token: 'z', refreshToken: 'w', tlsKey: 'k', role: 'admin', n: 3, ok: true, skip: undefined, nan: Number.NaN, long: 'a'.repeat(500) })
    expect(Object.keys(detail).sort()).toEqual(['long', 'n', 'ok', 'role'])
    expect((detail.long as string).length).toBe(200)
  })
})
