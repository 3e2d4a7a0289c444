/**
 * Station configuration: the only module that reads `process.env`.
 *
 * Precedence: defaults < config file < VIGIL_* environment < command-line options.
 * Everything is validated once with zod; every problem is reported together, and the
 * result is deeply frozen. Secrets (central DB password) are masked by `describeConfig`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { VigilError } from '../shared/errors'
import { HEADSET_KINDS, HEADSETS, headsetOf } from '../shared/headsets'
import { deepMerge, type DeepPartial } from './deep-merge'
import { RESOLVE_SCOPES } from './lsl/protocol/lsl-network'
import { compileQuery } from './lsl/protocol/query'

/** Every headset kind, plus `none`: start without a headset. */
export const DEVICE_KINDS = [...HEADSET_KINDS, 'none'] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]
const DEVICE_SPECS = [
  ...HEADSET_KINDS.map((kind) => ({ serial: `${kind}:PATH`, lsl: `${kind}:PREDICATE`, 'built-in': kind })[HEADSETS[kind].transport]),
  'none'
].join(' | ')

const simulatedSchema = z.object({
  channelCount: z.number().int().min(1).max(32).default(8),
  sampleRateHz: z.number().int().min(50).max(1000).default(250),
  seed: z.number().int().default(42),
  /** Minutes over which the simulated subject drifts from alert (0) to fatigued (1). */
  fatigueRampMinutes: z.number().positive().default(30),
  lineNoiseHz: z.union([z.literal(50), z.literal(60)]).default(50),
  blinkRatePerMin: z.number().min(0).max(60).default(15),
  /** 0-based channel whose electrode the impedance check finds off the skin (a demo of the gate); unset = none. */
  badElectrode: z.number().int().min(0).max(31).optional()
})

const configSchema = z.object({
  dataDir: z.string().min(1),
  stationName: z.string().min(1).default('vigil-station'),
  server: z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
      /** Origins allowed for CORS and WebSocket upgrades, besides the station's own. */
      corsOrigins: z.array(z.string().url()).default([]),
      /**
       * HTTPS/WSS: `auto` serves TLS when bound beyond loopback (plain HTTP stays for 127.0.0.1);
       * `off` for a lab that terminates TLS in a reverse proxy (docs/security.md).
       */
      tls: z.enum(['auto', 'on', 'off']).default('auto'),
      /** The lab's own certificate and key (PEM); otherwise the station makes one in the data dir. */
      tlsCert: z.string().optional(),
      tlsKey: z.string().optional(),
      /** Behind a reverse proxy: take client addresses from X-Forwarded-For (only with --tls off). */
      trustProxy: z.boolean().default(false),
      /** Host names the station answers to besides its own addresses (a DNS name, a reverse proxy's name). */
      allowedHosts: z.array(z.string().min(1)).default([]),
      bodyLimitBytes: z.number().int().min(1024).default(1024 * 1024),
      wsMaxPayloadBytes: z.number().int().min(1024).default(1024 * 1024),
      /** Directory of the built renderer served at `/`; null disables serving it. */
      rendererDir: z.string().nullable().default(null)
    })
    .prefault({}),
  device: z
    .object({
      kind: z.enum(DEVICE_KINDS).default('simulated'),
      path: z.string().optional(),
      baudRate: z.number().int().positive().optional(),
      simulated: simulatedSchema.prefault({}),
      /** Impedance bands of the pre-recording check (kΩ): below good is good, below acceptable acceptable, else bad. */
      impedance: z
        .object({
          goodBelowKohm: z.number().positive().default(10),
          acceptableBelowKohm: z.number().positive().default(50)
        })
        .prefault({})
    })
    .prefault({}),
  central: z
    .object({
      url: z.string().optional(),
      batchRows: z.number().int().min(1).max(100_000).default(5000),
      intervalMs: z.number().int().min(100).default(2000)
    })
    .prefault({}),
  auth: z
    .object({
      allowRegistration: z.boolean().default(true),
      /** Self-registrations per client address in 10 minutes: a lab registers a few people at a time, a script thousands. */
      registrationsPerAddress: z.number().int().min(1).default(10),
      accessTokenTtlSec: z.number().int().min(30).default(15 * 60),
      refreshTokenTtlSec: z.number().int().min(60).default(14 * 24 * 3600),
      bcryptCost: z.number().int().min(4).max(15).default(12),
      issuer: z.string().default('vigil-station'),
      audience: z.string().default('vigil-api')
    })
    .prefault({}),
  ingest: z
    .object({
      /** How far a client's timestamps may lie outside [session start, now]: producers' clock skew. */
      clockToleranceS: z.number().min(0).max(24 * 3600).default(120)
    })
    .prefault({}),
  consent: z
    .object({
      /**
       * Participant consent gates recording (local_recording), sync (central_sync) and export
       * (data_sharing). Off only for bench tests without participants (docs/sessions.md).
       */
      required: z.boolean().default(true)
    })
    .prefault({}),
  fatigue: z
    .object({
      mainsHz: z.union([z.literal(50), z.literal(60)]).default(50)
    })
    .prefault({}),
  /** The lab, for the recommended BIDS `_eeg.json` fields of exports (config file only; unset: left out). */
  lab: z
    .object({
      institutionName: z.string().min(1).max(200).optional(),
      institutionAddress: z.string().min(1).max(300).optional(),
      institutionalDepartmentName: z.string().min(1).max(200).optional(),
      /** The EEG cap: maker and model, e.g. "OpenBCI", "Ultracortex Mark IV". */
      capManufacturer: z.string().min(1).max(200).optional(),
      capModel: z.string().min(1).max(200).optional(),
      /** Where the ground electrode sits, e.g. "AFz" or "right earlobe". */
      eegGround: z.string().min(1).max(200).optional()
    })
    .prefault({}),
  storage: z
    .object({
      /** Operators are warned when the data folder's disk has less free space than this (GB); 0 turns it off. */
      lowDiskWarnGb: z.number().min(0).default(2)
    })
    .prefault({}),
  retention: z
    .object({
      /** Synced rows older than this may be pruned locally; 0 keeps everything. */
      pruneSyncedAfterDays: z.number().min(0).default(0)
    })
    .prefault({}),
  /**
   * Lab Streaming Layer (docs/lsl.md). Off by default: LSL has no authentication, so anyone on the
   * network could read the outlets. The network fields mirror liblsl's lsl_api.cfg.
   */
  lsl: z
    .object({
      /** Publish each recording session's streams as LSL outlets. */
      enabled: z.boolean().default(false),
      resolveScope: z.enum(RESOLVE_SCOPES).default('site'),
      /** Hosts to query by unicast where multicast is blocked (liblsl KnownPeers). */
      knownPeers: z.array(z.string().min(1)).default([]),
      /** liblsl SessionID: peers only see streams of the same session id. */
      sessionId: z.string().min(1).default('default'),
      /** Address the outlets' services bind to; 127.0.0.1 keeps them on this machine. */
      listenAddress: z.string().min(1).default('0.0.0.0'),
      multicastPort: z.number().int().min(1).max(65535).default(16571),
      basePort: z.number().int().min(1).max(65535).default(16572),
      portRange: z.number().int().min(1).max(1024).default(32)
    })
    .prefault({}),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    })
    .prefault({})
})

export type StationConfig = z.infer<typeof configSchema>
export type SimulatedHeadsetConfig = z.infer<typeof simulatedSchema>
/** What callers may pass in: any subset, merged over the defaults. */
export type StationConfigInput = DeepPartial<StationConfig>

/** One row per user-settable option: the CLI flag, the env var and the config path share it. */
export interface ConfigOption {
  flag: string
  env: string
  path: string
  kind: 'string' | 'int' | 'number' | 'bool' | 'list' | 'device'
  help: string
}

export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  { flag: 'config', env: 'VIGIL_CONFIG', path: '', kind: 'string', help: 'JSON config file (default: <data-dir>/vigil.config.json when present)' },
  { flag: 'data-dir', env: 'VIGIL_DATA_DIR', path: 'dataDir', kind: 'string', help: 'where the SQLite database, secrets and logs live (default: the platform app-data folder)' },
  { flag: 'host', env: 'VIGIL_HOST', path: 'server.host', kind: 'string', help: 'address to bind (default 127.0.0.1; use 0.0.0.0 to let remote researchers in)' },
  { flag: 'port', env: 'VIGIL_PORT', path: 'server.port', kind: 'int', help: 'HTTP/WebSocket port (default 8787; 0 picks a free one)' },
  { flag: 'device', env: 'VIGIL_DEVICE', path: 'device', kind: 'device', help: `${DEVICE_SPECS} (default simulated)` },
  { flag: 'baud-rate', env: 'VIGIL_BAUD_RATE', path: 'device.baudRate', kind: 'int', help: "serial baud rate (default: the protocol's own)" },
  { flag: 'sim-channels', env: 'VIGIL_SIM_CHANNELS', path: 'device.simulated.channelCount', kind: 'int', help: 'simulated headset channels, 1-32 (default 8)' },
  { flag: 'sim-rate', env: 'VIGIL_SIM_RATE_HZ', path: 'device.simulated.sampleRateHz', kind: 'int', help: 'simulated headset sample rate in Hz, 50-1000 (default 250)' },
  { flag: 'sim-seed', env: 'VIGIL_SIM_SEED', path: 'device.simulated.seed', kind: 'int', help: 'seed of the simulated headset (default 42)' },
  { flag: 'sim-bad-electrode', env: 'VIGIL_SIM_BAD_ELECTRODE', path: 'device.simulated.badElectrode', kind: 'int', help: 'channel (0-based) whose electrode the simulated impedance check finds off the skin' },
  { flag: 'sim-fatigue-minutes', env: 'VIGIL_SIM_FATIGUE_MINUTES', path: 'device.simulated.fatigueRampMinutes', kind: 'number', help: 'minutes for the simulated subject to become fully drowsy (default 30)' },
  { flag: 'central-url', env: 'VIGIL_CENTRAL_URL', path: 'central.url', kind: 'string', help: 'postgres:// URL of the central database (default: none, capture stays local)' },
  { flag: 'cors-origins', env: 'VIGIL_CORS_ORIGINS', path: 'server.corsOrigins', kind: 'list', help: 'comma-separated extra origins allowed for CORS and WebSockets' },
  { flag: 'tls', env: 'VIGIL_TLS', path: 'server.tls', kind: 'string', help: 'auto | on | off: HTTPS/WSS (default auto: on when --host is beyond loopback, with a certificate made on first run)' },
  { flag: 'tls-cert', env: 'VIGIL_TLS_CERT', path: 'server.tlsCert', kind: 'string', help: "the lab's own TLS certificate (PEM), re-read when the file changes; needs --tls-key" },
  { flag: 'tls-key', env: 'VIGIL_TLS_KEY', path: 'server.tlsKey', kind: 'string', help: 'the private key of --tls-cert (PEM)' },
  { flag: 'trust-proxy', env: 'VIGIL_TRUST_PROXY', path: 'server.trustProxy', kind: 'bool', help: 'behind a reverse proxy that terminates TLS: client addresses from X-Forwarded-For (default false)' },
  { flag: 'allowed-hosts', env: 'VIGIL_ALLOWED_HOSTS', path: 'server.allowedHosts', kind: 'list', help: "comma-separated host names the station answers to besides its own addresses and name (DNS rebinding guard)" },
  { flag: 'allow-registration', env: 'VIGIL_ALLOW_REGISTRATION', path: 'auth.allowRegistration', kind: 'bool', help: 'allow self-registration (default true; the first account becomes admin)' },
  { flag: 'registration-limit', env: 'VIGIL_REGISTRATION_LIMIT', path: 'auth.registrationsPerAddress', kind: 'int', help: 'self-registrations per client address in 10 minutes (default 10)' },
  { flag: 'low-disk-gb', env: 'VIGIL_LOW_DISK_GB', path: 'storage.lowDiskWarnGb', kind: 'number', help: "warn operators when the data folder's disk has less free space, in GB (default 2; 0: never)" },
  { flag: 'clock-tolerance-s', env: 'VIGIL_CLOCK_TOLERANCE_S', path: 'ingest.clockToleranceS', kind: 'number', help: "how far clients' timestamps may lie before the session's start or after the station's time, in s (default 120)" },
  { flag: 'require-consent', env: 'VIGIL_REQUIRE_CONSENT', path: 'consent.required', kind: 'bool', help: "refuse to record, sync or export a session without the participant's consent for it (default true; false only for bench tests without participants)" },
  { flag: 'mains-hz', env: 'VIGIL_MAINS_HZ', path: 'fatigue.mainsHz', kind: 'int', help: 'mains frequency for the notch filter, 50 or 60 (default 50)' },
  { flag: 'lsl', env: 'VIGIL_LSL', path: 'lsl.enabled', kind: 'bool', help: 'publish recording sessions as Lab Streaming Layer outlets (default false: LSL has no authentication)' },
  { flag: 'lsl-known-peers', env: 'VIGIL_LSL_KNOWN_PEERS', path: 'lsl.knownPeers', kind: 'list', help: 'comma-separated hosts to find LSL streams on by unicast, where multicast is blocked' },
  { flag: 'lsl-scope', env: 'VIGIL_LSL_SCOPE', path: 'lsl.resolveScope', kind: 'string', help: 'machine | link | site (default site, as liblsl): how far LSL discovery reaches' },
  { flag: 'log-level', env: 'VIGIL_LOG_LEVEL', path: 'log.level', kind: 'string', help: 'fatal|error|warn|info|debug|trace|silent (default info)' }
]

/** The platform's per-user application-data folder for Vigil. Electron passes its own userData instead. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = env.HOME ?? env.USERPROFILE ?? homedir()
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Vigil')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Vigil')
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'vigil')
}

/**
 * The folder the user ran the command from: `npm run station` changes into the package folder and
 * leaves the user's own folder in INIT_CWD, so relative paths they typed are meant from there.
 */
export function userWorkingDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD ?? process.cwd()
}

/** A path the user gave (flag, env var, config file), made absolute against `userWorkingDir`. */
export function resolveUserPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(userWorkingDir(env), path)
}

type Layer = Record<string, unknown>

function setPath(target: Layer, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Layer
  }
  node[keys[keys.length - 1]] = value
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** Parses `simulated`, `none` or `KIND:PATH` into the device section. */
export function parseDeviceSpec(spec: string): { kind: string; path?: string } {
  const colon = spec.indexOf(':')
  if (colon < 0) return { kind: spec }
  return { kind: spec.slice(0, colon), path: spec.slice(colon + 1) }
}

function coerce(option: ConfigOption, raw: string, source: string, problems: string[]): unknown {
  switch (option.kind) {
    case 'int':
    case 'number': {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n) || (option.kind === 'int' && !Number.isInteger(n))) {
        problems.push(`${source}: expected ${option.kind === 'int' ? 'a whole number' : 'a number'}, got "${raw}"`)
        return undefined
      }
      return n
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      problems.push(`${source}: expected true or false, got "${raw}"`)
      return undefined
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    case 'device':
      return parseDeviceSpec(raw)
    default:
      return raw
  }
}

export interface LoadConfigInput {
  /** Parsed `--flag value` pairs (flag names without dashes). */
  argv?: Record<string, string | boolean | undefined>
  env?: NodeJS.ProcessEnv
  /** Programmatic overrides, applied over the defaults and under file/env/argv (used by Electron and tests). */
  base?: StationConfigInput
}

/**
 * Builds the station configuration. Throws one `VigilError('CONFIG_INVALID')` listing every problem.
 * In tests pass `env: {}` so the developer's environment cannot leak in.
 */
export function loadConfig({ argv = {}, env = process.env, base = {} }: LoadConfigInput = {}): StationConfig {
  const problems: string[] = []
  const envLayer: Layer = {}
  const argvLayer: Layer = {}
  let configFile: string | undefined
  for (const option of CONFIG_OPTIONS) {
    const envRaw = env[option.env]
    const argRaw = argv[option.flag]
    if (option.path === '') {
      configFile = (typeof argRaw === 'string' ? argRaw : undefined) ?? envRaw
      continue
    }
    if (envRaw !== undefined && envRaw !== '') {
      const value = coerce(option, envRaw, option.env, problems)
      if (value !== undefined) setPath(envLayer, option.path, value)
    }
    if (argRaw !== undefined) {
      const raw = argRaw === true ? 'true' : argRaw === false ? 'false' : argRaw
      const value = coerce(option, raw, `--${option.flag}`, problems)
      if (value !== undefined) setPath(argvLayer, option.path, value)
    }
  }
  for (const key of Object.keys(argv)) {
    if (!CONFIG_OPTIONS.some((o) => o.flag === key)) problems.push(`--${key}: unknown option (see --help)`)
  }

  const dataDirGuess = resolveUserPath(
    (argvLayer.dataDir as string | undefined) ?? (envLayer.dataDir as string | undefined) ?? (base.dataDir as string | undefined) ?? defaultDataDir(env),
    env
  )
  const filePath = configFile ? resolveUserPath(configFile, env) : join(dataDirGuess, 'vigil.config.json')
  let fileLayer: Layer = {}
  if (existsSync(filePath)) {
    // Another local user who can edit it could open CORS to their site or point sync elsewhere.
    const mode = statSync(filePath).mode
    if (process.platform !== 'win32' && mode & 0o022) problems.push(`${filePath}: writable by other users (mode ${(mode & 0o777).toString(8)}); check it, then chmod 600 it`)
    try {
      fileLayer = JSON.parse(readFileSync(filePath, 'utf8')) as Layer
    } catch (err) {
      problems.push(`${filePath}: not valid JSON (${(err as Error).message})`)
    }
  } else if (configFile) {
    problems.push(`${filePath}: config file not found`)
  }

  const merged = [base as Layer, fileLayer, envLayer, argvLayer].reduce<Layer>(deepMerge, { dataDir: defaultDataDir(env) })
  merged.dataDir = resolveUserPath(String(merged.dataDir), env)
  const serverLayer = { ...(merged.server as Layer | undefined) }
  for (const key of ['tlsCert', 'tlsKey']) if (typeof serverLayer[key] === 'string') serverLayer[key] = resolveUserPath(serverLayer[key] as string, env)
  merged.server = serverLayer
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  // Cross-field checks run on the merged input too, so they are reported alongside schema problems.
  const device = (merged.device ?? {}) as { kind?: string; path?: string }
  const kind = device.kind ?? 'simulated'
  if (kind !== 'none' && headsetOf(kind)?.transport === 'lsl' && !device.path?.trim()) {
    problems.push(`device: "${kind}" needs a stream predicate, e.g. --device "lsl:type='EEG' and name='LiveAmp'"`)
  } else if (kind !== 'none' && headsetOf(kind)?.transport !== 'built-in' && !device.path) {
    problems.push(`device: "${kind}" needs a serial port path, e.g. --device ${kind}:/dev/ttyUSB0`)
  }
  if (headsetOf(kind)?.transport === 'lsl' && device.path?.trim()) {
    try {
      compileQuery(device.path)
    } catch (err) {
      problems.push(`device: the LSL predicate "${device.path}" is not valid: ${(err as Error).message}`)
    }
  }
  const url = (merged.central as { url?: unknown } | undefined)?.url
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(String(url))) problems.push('central.url: expected a postgres:// URL')
  const server = (merged.server ?? {}) as { tls?: string; tlsCert?: string; tlsKey?: string; trustProxy?: boolean }
  if (Boolean(server.tlsCert) !== Boolean(server.tlsKey)) problems.push('server: --tls-cert and --tls-key go together')
  if (server.tls === 'off' && server.tlsCert) problems.push('server: --tls-cert with --tls off: say --tls on (or auto), or drop the certificate')
  if (server.trustProxy && server.tls === 'on') problems.push('server: --trust-proxy is for a reverse proxy that terminates TLS: use it with --tls off')
  if (problems.length > 0) {
    throw new VigilError('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems })
  }
  return deepFreeze(parsed.data as StationConfig)
}

/** Masks the password in a postgres URL so it can be logged. */
export function maskUrl(url: string | undefined): string | undefined {
  if (!url) return url
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1****@')
}

/** A loggable copy of the configuration with secrets masked. */
export function describeConfig(config: StationConfig): Record<string, unknown> {
  return { ...config, central: { ...config.central, url: maskUrl(config.central.url) } }
}
