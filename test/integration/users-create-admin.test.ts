import { describe, expect, it } from 'vitest'
import { createOrResetAdmin } from '../../src/station/auth/admin-account'
import { authHeader, login } from '../helpers/auth'
import { startTestStation } from '../helpers/station'

describe('create-admin', () => {
  it('creates the first admin of a station whose registration is closed, and recovers a locked-out one while it runs', async () => {
    const t = await startTestStation({ auth: { allowRegistration: false } })
    try {
      const { config } = t.station
      expect(await createOrResetAdmin(config, { email: ' Boss@Lab.test ', password: 'first password 1', fullName: 'Boss' })).toBe('created')
      const first = await login(t.baseUrl, 'boss@lab.test', 'first password 1')
      const me = await fetch(`${t.baseUrl}/api/v1/users/me`, { headers: authHeader(first.accessToken) })
      expect(await me.json()).toMatchObject({ email: 'boss@lab.test', role: 'admin', is_active: true, full_name: 'Boss' })

      // A demoted, deactivated admin comes back: active admin, new password, every old token revoked.
      t.station.ctx.db.prepare("UPDATE users SET role = 'student', is_active = 0 WHERE email = 'boss@lab.test'").run()
      expect(await createOrResetAdmin(config, { email: 'boss@lab.test', password: 'second password 2', fullName: null })).toBe('updated')
      expect((await fetch(`${t.baseUrl}/api/v1/users/me`, { headers: authHeader(first.accessToken) })).status).toBe(401)
      const refresh = await fetch(`${t.baseUrl}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: first.refreshToken })
      })
      expect(refresh.status).toBe(401)
      await expect(login(t.baseUrl, 'boss@lab.test', 'first password 1')).rejects.toThrow(/401/)
      const second = await login(t.baseUrl, 'boss@lab.test', 'second password 2')
      const again = await fetch(`${t.baseUrl}/api/v1/users/me`, { headers: authHeader(second.accessToken) })
      expect(await again.json()).toMatchObject({ role: 'admin', is_active: true, full_name: 'Boss' })

      // Both runs are in the audit trail, with nobody signed in as the actor.
      const rows = t.station.ctx.db
        .prepare("SELECT action, actor_id, detail_json FROM audit_events WHERE json_extract(detail_json, '$.via') = 'create-admin' ORDER BY id")
        .all() as { action: string; actor_id: string | null; detail_json: string }[]
      expect(rows.map((r) => r.action)).toEqual(['auth.registered', 'user.role_changed'])
      expect(rows.every((r) => r.actor_id === null)).toBe(true)
      expect(JSON.parse(rows[1].detail_json)).toMatchObject({ role_from: 'student', role_to: 'admin', is_login_reset: true })
    } finally {
      await t.close()
    }
  })
})
