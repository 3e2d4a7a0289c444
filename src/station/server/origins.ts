/**
 * Where the station is reached from: the origins a browser page of its own has (for CORS and the
 * WebSocket Origin check). A station bound to every interface (`--host 0.0.0.0` or `::`) is reached
 * by a remote researcher at one of the machine's own addresses, so each of them, and the host name,
 * is an origin of its own; re-read every few seconds, so an address that appears later (Wi-Fi, DHCP) works too.
 */
import type { FastifyInstance } from 'fastify'
import { hostname, networkInterfaces } from 'node:os'

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]'])

/** The port the server actually listens on (differs from config when configured as 0). */
export function listeningPort(app: FastifyInstance): number {
  const address = app.server.address()
  return address && typeof address === 'object' ? address.port : app.ctx.config.server.port
}

/** Interface addresses change rarely (Wi-Fi, DHCP); every request and upgrade asks, so reading them is cached briefly. */
const HOSTS_CACHE_MS = 5000
const hostsCache = new Map<string, { hosts: string[]; untilMs: number }>()

/** Host names and addresses (IPv6 in brackets) the station answers to, given the address it binds. */
export function stationHosts(boundHost: string): string[] {
  const nowMs = performance.now()
  const cached = hostsCache.get(boundHost)
  if (cached && cached.untilMs > nowMs) return cached.hosts
  const hosts = readStationHosts(boundHost)
  hostsCache.set(boundHost, { hosts, untilMs: nowMs + HOSTS_CACHE_MS })
  return hosts
}

function readStationHosts(boundHost: string): string[] {
  const hosts = ['127.0.0.1', 'localhost', '[::1]']
  if (!ANY_ADDRESS.has(boundHost)) {
    if (!hosts.includes(boundHost)) hosts.push(boundHost.includes(':') ? `[${boundHost}]` : boundHost)
    return hosts
  }
  const name = hostname().toLowerCase()
  hosts.push(name, `${name}.local`)
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.internal) continue
      // Link-local IPv6 needs a zone id, which browsers do not put in an Origin.
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')) continue
      hosts.push(a.family === 'IPv6' ? `[${a.address}]` : a.address)
    }
  }
  return hosts
}

/** Origins allowed for CORS and WebSocket upgrades: the station's own addresses plus the configured list. */
export function allowedOrigins(app: FastifyInstance): Set<string> {
  const port = listeningPort(app)
  const scheme = app.tls ? 'https' : 'http'
  const own = stationHosts(app.ctx.config.server.host).map((host) => `${scheme}://${host}:${port}`)
  return new Set([...own, ...app.ctx.config.server.corsOrigins])
}

/** The host part of a Host header, lowercased (`[::1]:8787` → `[::1]`, `Lab.example:80` → `lab.example`). */
export function hostOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase()
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return colon < 0 ? host : host.slice(0, colon)
}

/**
 * Whether a request's Host header names this station. A page on `attacker.example` that rebinds its
 * DNS name to the station's address sends `Host: attacker.example`: without this check it could use
 * the API with the browser's network position (it once registered the first account, the admin).
 * No Host header at all is not a browser (HTTP/1.0 tools) and is let through.
 */
export function isStationHost(app: FastifyInstance, hostHeader: string | undefined): boolean {
  if (hostHeader === undefined || hostHeader === '') return true
  const host = hostOf(hostHeader)
  const { host: bound, allowedHosts } = app.ctx.config.server
  return stationHosts(bound).includes(host) || allowedHosts.some((h) => h.toLowerCase() === host)
}
