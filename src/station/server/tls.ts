/**
 * TLS for a station reached over the lab network. Beyond loopback, passwords, bearer tokens and EEG
 * would otherwise cross the LAN in clear, and a browser on `http://<lan-ip>` is no secure context
 * (no camera). The station serves HTTPS/WSS there with either the lab's own certificate
 * (`--tls-cert`, `--tls-key`, re-read when the files change, e.g. after a renewal) or one it makes on
 * first run: RSA-2048, SHA-256, SANs for every name and address the station answers to, key 0600 in
 * the data directory. A self-made certificate is trusted by nobody's browser, so its SHA-256
 * fingerprint is printed at start and shown in the UI: a researcher compares it with what the
 * browser shows before accepting it (docs/security.md).
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, renameSync, unwatchFile, watchFile, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import forge from 'node-forge'
import { VigilError } from '../../shared/errors'
import { readSecretFile } from '../data-dir'

export const GENERATED_CERT_FILE = 'tls-cert.pem'
export const GENERATED_KEY_FILE = 'tls-key.pem'
const VALIDITY_DAYS = 825
/** A generated certificate this close to expiry is made anew at start. */
const RENEW_BEFORE_DAYS = 30
const DAY_MS = 86_400_000

export interface TlsMaterial {
  cert: string
  key: string
  /** `AB:CD:…`, SHA-256 of the certificate: what browsers show. */
  fingerprintSha256: string
  /** base64 SHA-256 of the public key (SPKI): what pinning clients and Chromium's SPKI allow-list take. */
  spkiSha256: string
  source: 'generated' | 'lab'
}

/** Whether `host` (a bind address) is loopback only, where plain HTTP stays for the local window. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.')
}

function materialOf(cert: string, key: string, source: TlsMaterial['source']): TlsMaterial {
  const x509 = new X509Certificate(cert)
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' })
  return { cert, key, fingerprintSha256: x509.fingerprint256, spkiSha256: createHash('sha256').update(spki).digest('base64'), source }
}

/** A self-signed server certificate for `hosts` (names and addresses, IPv6 with or without brackets). */
export function generateCertificate(hosts: readonly string[], nowMs: number, commonName: string): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  })
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  // 16 random bytes with the top bit clear: a positive serial, as RFC 5280 asks.
  const serial = randomBytes(16)
  serial[0] &= 0x7f
  cert.serialNumber = serial.toString('hex')
  cert.validity.notBefore = new Date(nowMs - DAY_MS)
  cert.validity.notAfter = new Date(nowMs + VALIDITY_DAYS * DAY_MS)
  const name = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'Vigil station (self-signed)' }]
  cert.setSubject(name)
  cert.setIssuer(name)
  const altNames = [...new Set(hosts.map((h) => h.replace(/^\[|\]$/g, '')))].map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }))
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames }
  ])
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create())
  return { cert: forge.pki.certificateToPem(cert), key: privateKey }
}

/** Whether a generated certificate still serves: not near expiry, and every host among its SANs. */
function stillServes(cert: string, hosts: readonly string[], nowMs: number): boolean {
  const x509 = new X509Certificate(cert)
  if (Date.parse(x509.validTo) - nowMs < RENEW_BEFORE_DAYS * DAY_MS) return false
  const sans = (x509.subjectAltName ?? '').split(', ').map((entry) => canonicalHost(entry.replace(/^(DNS|IP Address):/, '')))
  return hosts.every((h) => sans.includes(canonicalHost(h)))
}

/** One spelling per host: lowercase, IPv6 compressed without brackets (Node prints SAN IPv6 in full). */
function canonicalHost(host: string): string {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  return isIP(bare) === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare
}

/** Written beside and renamed over: a reader never sees half a key, and a planted link is replaced, not followed. */
function writeSecret(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode, flag: 'wx' })
  renameSync(temporary, path)
}

export interface TlsSource {
  dataDir: string
  certPath?: string
  keyPath?: string
  /** Names and addresses the station answers to (server/origins.ts `stationHosts`). */
  hosts: readonly string[]
  commonName: string
  nowMs: number
}

/** The lab's certificate when configured, else the station's own, made or renewed as needed. */
export function loadTls(source: TlsSource): TlsMaterial {
  if (source.certPath && source.keyPath) return readLabCertificate(source.certPath, source.keyPath)
  const certPath = join(source.dataDir, GENERATED_CERT_FILE)
  const keyPath = join(source.dataDir, GENERATED_KEY_FILE)
  const key = readSecretFile(keyPath)
  if (key !== null && existsSync(certPath)) {
    const cert = readFileSync(certPath, 'utf8')
    if (stillServes(cert, source.hosts, source.nowMs)) return materialOf(cert, key, 'generated')
  }
  const made = generateCertificate(source.hosts, source.nowMs, source.commonName)
  writeSecret(keyPath, made.key, 0o600)
  writeSecret(certPath, made.cert, 0o644)
  return materialOf(made.cert, made.key, 'generated')
}

function readLabCertificate(certPath: string, keyPath: string): TlsMaterial {
  let cert: string
  let key: string
  try {
    cert = readFileSync(certPath, 'utf8')
    key = readFileSync(keyPath, 'utf8')
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `Cannot read the TLS certificate or key: ${(err as Error).message}`)
  }
  try {
    const material = materialOf(cert, key, 'lab')
    // Node's own key parser: PKCS#1, PKCS#8 and SEC1 keys alike.
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not belong to the certificate')
    return material
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `TLS certificate ${certPath} with key ${keyPath}: ${(err as Error).message}`)
  }
}

/**
 * Re-reads the lab's certificate when either file changes (polling, which also sees a renewal tool
 * swapping symlinks) and hands it to `apply`; a broken pair is reported and the old one kept.
 */
export function watchLabCertificate(certPath: string, keyPath: string, apply: (material: TlsMaterial) => void, onError: (err: Error) => void, intervalMs = 2000): () => void {
  const reload = () => {
    try {
      apply(readLabCertificate(certPath, keyPath))
    } catch (err) {
      onError(err as Error)
    }
  }
  watchFile(certPath, { interval: intervalMs }, reload)
  watchFile(keyPath, { interval: intervalMs }, reload)
  return () => {
    unwatchFile(certPath, reload)
    unwatchFile(keyPath, reload)
  }
}
