import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { VigilError } from '../../shared/errors'
import type { FatigueMetrics } from '../../shared/schemas/fatigue'
import { compareWithStored, loadConfig, LOCAL_DB_FILE, openLocalDatabase, replaySession, type ReplayResult } from '../../station'
import { ensureNativeModules } from '../native'
import type { CliCommand } from './types'

const fixed = (v: number | null | undefined, digits: number) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits))

function mean(values: (number | null | undefined)[]): number | null {
  const ok = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  return ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : null
}

/** One line per minute of data: the mean of that minute's updates. */
function minuteTable(updates: FatigueMetrics[]): string {
  if (updates.length === 0) return '  (no updates: the session has no EEG, face or game data)'
  const t0 = updates[0].tMs
  const minutes = new Map<number, FatigueMetrics[]>()
  for (const u of updates) {
    const m = Math.floor((u.tMs - t0) / 60_000)
    minutes.set(m, [...(minutes.get(m) ?? []), u])
  }
  const lines = ['  min  score  level     (θ+α)/β  z(θ+α)/β  clean  PERCLOS  blinks/min  SDLP m  SRR/min  lapses  KSS']
  for (const [m, us] of minutes) {
    const last = us[us.length - 1]
    const score = mean(us.map((u) => u.score))
    lines.push(
      [
        String(m).padStart(5),
        fixed(score, 1).padStart(6),
        ` ${(last.level ?? 'unknown').padEnd(9)}`,
        fixed(mean(us.map((u) => u.eeg?.ratios?.thetaAlphaOverBeta)), 2).padStart(8),
        fixed(mean(us.map((u) => u.eeg?.zThetaAlphaOverBeta)), 2).padStart(10),
        fixed(mean(us.map((u) => u.eeg?.cleanFraction)), 2).padStart(6),
        fixed(last.face?.perclosP80 === null || last.face?.perclosP80 === undefined ? null : last.face.perclosP80 * 100, 1).padStart(8),
        fixed(last.face?.blinksPerMin, 1).padStart(11),
        fixed(last.driving?.sdlpM, 3).padStart(7),
        fixed(last.driving?.steeringReversalsPerMin, 1).padStart(8),
        String(last.driving?.pvt.lapses ?? '-').padStart(7),
        String(last.driving?.kss ?? '-').padStart(4)
      ].join(' ')
    )
  }
  return lines.join('\n')
}

function report(result: ReplayResult, comparison: ReturnType<typeof compareWithStored>): string {
  const { updates, alerts, device } = result
  const spanS = updates.length > 1 ? (updates[updates.length - 1].tMs - updates[0].tMs) / 1000 : 0
  const levels = { alert: 0, moderate: 0, severe: 0, unknown: 0 }
  for (const u of updates) levels[u.level ?? 'unknown']++
  const share = (n: number) => (updates.length > 0 ? `${Math.round((100 * n) / updates.length)}%` : '-')
  const lines = [
    `Session ${result.sessionId}`,
    `  EEG: ${device ? `${device.channelNames.length} channels at ${device.sampleRateHz} Hz (${result.deviceSource === 'session' ? 'from the session' : 'inferred from the samples'})` : 'none'}`,
    `  ${updates.length} updates over ${(spanS / 60).toFixed(1)} min; mean score ${fixed(mean(updates.map((u) => u.score)), 1)}, max ${fixed(Math.max(-Infinity, ...updates.map((u) => u.score ?? -Infinity)), 1)}`,
    `  time at level: alert ${share(levels.alert)}, moderate ${share(levels.moderate)}, severe ${share(levels.severe)}, unknown ${share(levels.unknown)}`,
    comparison.stored > 0
      ? `  live metrics stored by the station: ${comparison.stored} rows; ${comparison.identical} of ${comparison.matched} at the same times are identical to this replay`
      : '  no live metrics stored for this session',
    '',
    minuteTable(updates),
    '',
    `Alerts (${alerts.length}):`,
    ...alerts.map((a) => `  ${new Date(a.tMs).toISOString()}  ${a.severity.padEnd(7)}  ${a.type.padEnd(14)}  ${a.message}`)
  ]
  return lines.join('\n')
}

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: "replay the fatigue engine over a stored session and print its metrics and alerts",
  usage: `npm run station -- analyze <session-id> [options]

Recomputes every fatigue update (~1 Hz) and alert of a recorded session from its stored EEG, face and
game events, with the same engine the live station runs, and prints a per-minute summary. The live
station stores its own updates in fatigue_metrics; the summary says how many the replay reproduces.
The station may be running while you analyze.

Options:
  --data-dir DIR    the station's data folder (default: the platform app-data folder)
  --mains-hz 50|60  mains frequency of the notch filter (default: the station's fatigue.mainsHz)
  --json            print {sessionId, device, updates, alerts, comparison} as JSON instead

Examples:
  npm run station -- analyze 0193a7c2-...
  npm run station -- analyze 0193a7c2-... --data-dir ./vigil-data --json > metrics.json`,
  async run(args) {
    const sessionId = args.positionals[0]
    if (!sessionId) throw new VigilError('BAD_REQUEST', 'which session? usage: analyze <session-id> [--data-dir DIR] [--json]')
    const flags = { ...args.flags }
    const asJson = flags.json === true
    delete flags.json
    const config = loadConfig({ argv: flags })
    const dbFile = join(config.dataDir, LOCAL_DB_FILE)
    if (!existsSync(dbFile)) throw new VigilError('NOT_FOUND', `no station database in ${config.dataDir} (use --data-dir)`)
    ensureNativeModules()
    const db = openLocalDatabase(dbFile)
    try {
      const result = replaySession(db, sessionId, config.fatigue.mainsHz)
      const comparison = compareWithStored(db, sessionId, result.updates)
      const text = asJson ? `${JSON.stringify({ ...result, comparison })}\n` : `${report(result, comparison)}\n`
      // Wait for the pipe to take it all: the CLI exits right after, which would cut a long JSON short.
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())))
      return 0
    } finally {
      db.close()
    }
  }
}
