import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/station/config'
import { GENERATED_CERT_FILE, GENERATED_KEY_FILE, generateCertificate, isLoopbackHost, loadTls, watchLabCertificate, type TlsMaterial } from '../../src/station/server/tls'
import { makeTempDir } from '../helpers/station'
import { waitUntil } from '../helpers/wait'

const NOW = Date.parse('2026-12-04T12:00:00Z')
const HOSTS = ['127.0.0.1', 'localhost', '[::1]', 'lab-pc', '192.0.2.10']

describe('station TLS certificates', () => {
  it('makes a certificate for every name and address it answers to, with its key readable by the owner only', () => {
    const dataDir = makeTempDir()
    const tls = loadTls({ dataDir, hosts: HOSTS, commonName: 'vigil-station', nowMs: NOW })
    const x509 = new X509Certificate(tls.cert)
    for (const san of ['DNS:localhost', 'DNS:lab-pc', 'IP Address:127.0.0.1', 'IP Address:192.0.2.10', 'IP Address:0:0:0:0:0:0:0:1']) expect(x509.subjectAltName).toContain(san)
    expect(x509.checkPrivateKey(createPrivateKey(tls.key))).toBe(true)
    expect(tls).toMatchObject({ source: 'generated', fingerprintSha256: x509.fingerprint256 })
    expect(tls.spkiSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    expect(statSync(join(dataDir, GENERATED_KEY_FILE)).mode & 0o777).toBe(0o600)
    expect(Date.parse(x509.validTo) - NOW).toBeGreaterThan(800 * 86_400_000)
  })

  it('keeps its certificate across restarts, and makes a new one when an address appears or expiry nears', () => {
    const dataDir = makeTempDir()
    const first = loadTls({ dataDir, hosts: HOSTS, commonName: 'v', nowMs: NOW })
    expect(loadTls({ dataDir, hosts: HOSTS, commonName: 'v', nowMs: NOW + 86_400_000 }).fingerprintSha256).toBe(first.fingerprintSha256)
    const moved = loadTls({ dataDir, hosts: [...HOSTS, '198.51.100.4'], commonName: 'v', nowMs: NOW })
    expect(moved.fingerprintSha256).not.toBe(first.fingerprintSha256)
    expect(new X509Certificate(readFileSync(join(dataDir, GENERATED_CERT_FILE))).subjectAltName).toContain('198.51.100.4')
    const late = loadTls({ dataDir, hosts: HOSTS, commonName: 'v', nowMs: NOW + 810 * 86_400_000 })
    expect(late.fingerprintSha256).not.toBe(moved.fingerprintSha256)
  })

  it("uses the lab's certificate, refuses a key that does not belong to it, and re-reads it when the files change", async () => {
    const dir = makeTempDir()
    const a = generateCertificate(['lab.example'], NOW, 'lab a')
    const b = generateCertificate(['lab.example'], NOW, 'lab b')
    const certPath = join(dir, 'cert.pem')
    const keyPath = join(dir, 'key.pem')
    writeFileSync(certPath, a.cert)
    writeFileSync(keyPath, b.key)
    expect(() => loadTls({ dataDir: dir, certPath, keyPath, hosts: [], commonName: 'x', nowMs: NOW })).toThrow(/does not belong/)
    writeFileSync(keyPath, a.key)
    expect(loadTls({ dataDir: dir, certPath, keyPath, hosts: [], commonName: 'x', nowMs: NOW })).toMatchObject({ source: 'lab', fingerprintSha256: new X509Certificate(a.cert).fingerprint256 })

    const applied: TlsMaterial[] = []
    const errors: Error[] = []
    const stop = watchLabCertificate(certPath, keyPath, (m) => applied.push(m), (e) => errors.push(e), 50)
    try {
      const renewed = new X509Certificate(b.cert).fingerprint256
      const isApplied = () => applied.some((m) => m.fingerprintSha256 === renewed)
      // The watcher's first stat is asynchronous: a write that lands before it is its baseline, not a
      // change (seen on a loaded machine). A renewal tool that writes again is seen, so write until it is.
      for (let attempt = 0; attempt < 20 && !isApplied(); attempt++) {
        writeFileSync(keyPath, b.key)
        writeFileSync(certPath, b.cert)
        await waitUntil(isApplied, { timeoutMs: 1000, what: 'the renewed certificate' }).catch(() => undefined)
      }
      expect(isApplied()).toBe(true)
    } finally {
      stop()
    }
  })

  it('treats only loopback binds as plain-HTTP hosts, and checks the TLS options together', () => {
    expect(['127.0.0.1', '127.0.1.1', 'localhost', '::1'].every(isLoopbackHost)).toBe(true)
    expect(['0.0.0.0', '::', '192.0.2.10', 'lab-pc'].some(isLoopbackHost)).toBe(false)
    const dataDir = makeTempDir()
    expect(() => loadConfig({ env: {}, argv: { 'data-dir': dataDir, 'tls-cert': 'c.pem' } })).toThrow(/--tls-cert and --tls-key go together/)
    expect(() => loadConfig({ env: {}, argv: { 'data-dir': dataDir, tls: 'off', 'tls-cert': 'c.pem', 'tls-key': 'k.pem' } })).toThrow(/--tls off/)
    expect(loadConfig({ env: {}, argv: { 'data-dir': dataDir, 'tls-cert': 'c.pem', 'tls-key': 'k.pem' } }).server.tlsCert).toMatch(/^\/.*c\.pem$/)
  })
})
