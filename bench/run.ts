/**
 * `npm run bench [-- name ...]`: runs bench/<name>.bench.ts scripts one after another (all when no name
 * is given). Each script prints its own figures, with ratios against a raw-library baseline measured
 * in the same run. Benches are never part of `npm test`: timings on a shared 2-core machine are noisy.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = dirname(fileURLToPath(import.meta.url))
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort()
const wanted = process.argv.slice(2)
if (wanted.includes('--help')) {
  console.log(`Usage: npm run bench [-- name ...]\nBenches: ${all.join(', ')}`)
  process.exit(0)
}
const unknown = wanted.filter((w) => !all.includes(w))
if (unknown.length > 0) {
  console.error(`Unknown bench: ${unknown.join(', ')}. Available: ${all.join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n### bench/${name}`)
  const result = spawnSync(process.execPath, [join(dir, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(dir, `${name}.bench.ts`)], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed > 0 ? 1 : 0)
