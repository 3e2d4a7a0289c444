/**
 * Issue 23 item 12: `/devices/connect` errors told researchers which host paths exist ("not found" for
 * one path, "not permitted" or "could not open" for another). A non-admin now gets one answer for any
 * path that is not a serial port, naming the ports that are; an admin keeps the precise reason.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeviceStatusResponse } from '../../../src/shared/schemas/devices'
import { authHeader, forgetStation, registerAndLogin } from '../../helpers/auth'
import { makeTempDir, startTestStation, type TestStation } from '../../helpers/station'

describe('/devices/connect with paths that are not serial ports', () => {
  let ts: TestStation
  let admin: Record<string, string>
  let researcher: Record<string, string>
  const dir = makeTempDir('vigil-paths-')
  const paths = {
    missing: join(dir, 'no-such-file'),
    file: join(dir, 'secret.txt'),
    unreadable: join(dir, 'unreadable.txt'),
    directory: join(dir, 'folder')
  }

  const connect = async (headers: Record<string, string>, path: string) => {
    const res = await ts.fetch(`${ts.baseUrl}/api/v1/devices/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ kind: 'cyton', path })
    })
    const body = (await res.json()) as { code: string; detail: string }
    return { status: res.status, code: body.code, detail: body.detail }
  }

  beforeAll(async () => {
    writeFileSync(paths.file, 'not a headset')
    writeFileSync(paths.unreadable, 'not a headset')
    chmodSync(paths.unreadable, 0o000)
    mkdirSync(paths.directory)
    ts = await startTestStation()
    admin = authHeader((await registerAndLogin(ts, { role: 'admin' })).accessToken)
    researcher = authHeader((await registerAndLogin(ts, { role: 'researcher' })).accessToken)
  })
  afterAll(async () => {
    forgetStation(ts.baseUrl)
    await ts.close()
  })

  it('answers a researcher the same for a missing path, a file, an unreadable file and a directory, and names the serial ports', async () => {
    const answers = await Promise.all(Object.values(paths).map(async (path) => ({ path, ...(await connect(researcher, path)) })))
    for (const a of answers) {
      expect(a).toMatchObject({ status: 404, code: 'DEVICE_PORT_NOT_FOUND' })
      expect(a.detail).toMatch(/is not a serial port on this station\. (Serial ports on this station: |No serial port was found)/)
    }
    // Apart from echoing the path asked for, nothing differs.
    expect(new Set(answers.map((a) => a.detail.replace(JSON.stringify(a.path), 'PATH'))).size).toBe(1)
    // The refusal came before any driver ran: the headset's status (seen by every client) says nothing about the path.
    const status = (await (await ts.fetch(`${ts.baseUrl}/api/v1/devices/status`, { headers: researcher })).json()) as DeviceStatusResponse
    expect(JSON.stringify(status)).not.toContain(dir)
  })

  it('tells an admin the precise reason', async () => {
    const missing = await connect(admin, paths.missing)
    const file = await connect(admin, paths.file)
    expect(missing).toMatchObject({ status: 404, code: 'DEVICE_PORT_NOT_FOUND', detail: expect.stringMatching(/not found/) })
    expect(file.detail).not.toMatch(/is not a serial port on this station/)
    expect(file.detail).not.toEqual(missing.detail.replace(paths.missing, paths.file))
  })
})
