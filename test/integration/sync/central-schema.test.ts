/**
 * SQL-level checks of migrations/central: the plain-PostgreSQL branch always, the TimescaleDB branch
 * wherever the extension is installed and preloaded (skipped, with the reason in its name, elsewhere).
 */
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { findMigrationsDir } from '../../../src/station/storage/migration-files'
import { migrateCentral } from '../../../src/station/sync/central-migrations'
import { ADMIN_URL, createTestCentral, createTestLocal, engineFor, seedLocal, type TestCentral } from '../../helpers/sync'

const probe = new Client({ connectionString: ADMIN_URL })
await probe.connect()
const tsdb = (
  await probe.query<{ ok: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' AS ok"
  )
).rows[0].ok
await probe.end()
const TSDB_NOTE = tsdb ? '' : ' [SKIPPED: the timescaledb extension is not installed/preloaded on this PostgreSQL server]'
if (!tsdb) console.info(`central-schema: TimescaleDB branch check${TSDB_NOTE}; the plain PostgreSQL branch is checked instead.`)

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

/** A PL/pgSQL function whose body is `body`: creating it makes PostgreSQL's validator parse every statement. */
function asFunction(name: string, body: string): string {
  return `CREATE FUNCTION pg_temp.${name}() RETURNS void LANGUAGE plpgsql AS $fn$\n${body}\n$fn$`
}

async function central(migrate = true): Promise<TestCentral> {
  const c = await createTestCentral(migrate)
  cleanups.push(() => c.drop())
  return c
}

describe('central schema', { timeout: 120_000 }, () => {
  it.skipIf(tsdb)('plain PostgreSQL branch: tables, time-including keys, BRIN and per-session indexes, per-minute fatigue view', async () => {
    const c = await central()
    const tables = (await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t)
    expect(tables).toEqual(
      ['alerts', 'audit_events', 'device_events', 'eeg_data', 'face_events', 'fatigue_metrics', 'game_events', 'markers', 'participants', 'schema_migrations', 'sessions', 'station_streams', 'stations', 'tombstones', 'users'].sort()
    )
    // No password hashes centrally.
    const userCols = (await c.query<{ c: string }>("SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'users'")).rows.map((r) => r.c)
    expect(userCols.some((col) => /password/.test(col))).toBe(false)
    // Every time-series key includes the time column (what TimescaleDB requires; same keys on both branches).
    const keys = await c.query<{ t: string; cols: string[] }>(`
      SELECT tc.table_name AS t, array_agg(kcu.column_name::text ORDER BY kcu.ordinal_position) AS cols
      FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu USING (constraint_name, table_name)
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_name IN ('eeg_data','face_events','game_events','alerts','markers','fatigue_metrics','device_events','audit_events')
      GROUP BY 1 ORDER BY 1`)
    expect(keys.rows).toHaveLength(8)
    for (const k of keys.rows) expect(k.cols).toContain('time')
    expect(keys.rows.find((k) => k.t === 'eeg_data')?.cols).toEqual(['session_id', 'time', 'seq'])
    const brin = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_indexes WHERE indexdef LIKE '%USING brin%'")
    expect(brin.rows[0].n).toBe(8)

    // A session time-range read uses the (session_id, time) key, not a scan.
    const plan = await c.query<{ 'QUERY PLAN': string }>(
      "EXPLAIN SELECT * FROM eeg_data WHERE session_id = '00000000-0000-7000-8000-000000000000' AND time BETWEEN now() - interval '1 minute' AND now()"
    )
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/eeg_data_pkey/)

    const local = createTestLocal()
    cleanups.push(() => local.close())
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 250, eventsPerSession: 120 })
    await engineFor(local, c.url).syncUntilCaughtUp()
    const perMinute = await c.query<{ updates: number }>('SELECT updates::int FROM fatigue_per_minute ORDER BY bucket')
    expect(perMinute.rows.reduce((sum, r) => sum + r.updates, 0)).toBe(120)
  })

  it.skipIf(!tsdb)(`TimescaleDB branch: hypertables, 1-day EEG chunks, compression by session, continuous aggregate${TSDB_NOTE}`, async () => {
    const c = await central()
    const hypertables = (await c.query<{ t: string }>('SELECT hypertable_name AS t FROM timescaledb_information.hypertables ORDER BY 1')).rows.map((r) => r.t)
    expect(hypertables).toEqual(['alerts', 'audit_events', 'device_events', 'eeg_data', 'face_events', 'fatigue_metrics', 'game_events', 'markers'])
    const interval = await c.query<{ i: string }>(
      "SELECT time_interval::text AS i FROM timescaledb_information.dimensions WHERE hypertable_name = 'eeg_data' AND column_name = 'time'"
    )
    expect(interval.rows[0].i).toBe('1 day')
    const license = (await c.query<{ l: string | null }>("SELECT current_setting('timescaledb.license', true) AS l")).rows[0].l
    if (license !== 'timescale') return // Apache-only build: no compression or continuous aggregates (documented)
    const segment = await c.query<{ a: string }>(
      "SELECT attname AS a FROM timescaledb_information.compression_settings WHERE hypertable_name = 'eeg_data' AND segmentby_column_index IS NOT NULL"
    )
    expect(segment.rows.map((r) => r.a)).toEqual(['session_id'])
    const caggs = await c.query<{ v: string }>('SELECT view_name AS v FROM timescaledb_information.continuous_aggregates')
    expect(caggs.rows.map((r) => r.v)).toEqual(['fatigue_per_minute'])

    const local = createTestLocal()
    cleanups.push(() => local.close())
    seedLocal(local.db, local.stationId, { sessions: 1, samplesPerSession: 250, eventsPerSession: 120 })
    await engineFor(local, c.url).syncUntilCaughtUp()
    // Real-time aggregation is on, so unmaterialised minutes count too.
    const perMinute = await c.query<{ updates: number }>('SELECT updates::int FROM fatigue_per_minute')
    expect(perMinute.rows.reduce((sum, r) => sum + r.updates, 0)).toBe(120)
    // A chunk compresses, and a replay into the compressed chunk still adds nothing.
    await c.query("SELECT compress_chunk(ch) FROM show_chunks('eeg_data') AS ch")
    local.db.exec('DELETE FROM sync_cursors')
    await engineFor(local, c.url).syncUntilCaughtUp()
    expect((await c.query<{ n: number }>('SELECT count(*)::int AS n FROM eeg_data')).rows[0].n).toBe(250)
  })

  // Where TimescaleDB is absent (as on CI here) its branch is still checked at the SQL level: PL/pgSQL
  // must accept the block (its validator parses every statement), and the block, run against stand-ins
  // with TimescaleDB 2.x's function signatures (sql/ddl_api.sql, sql/policy_api.sql upstream; "any"
  // parameters become anyelement), must make the calls and views the real extension would be given.
  // Four statements plain PostgreSQL cannot run (the extension itself, timescaledb.* storage options)
  // are cut out, each asserted to be present, so a change to the migration fails here loudly.
  it.skipIf(tsdb)('TimescaleDB branch, SQL-level without the extension: parses, and calls hypertable/compression/aggregate APIs with their real signatures', async () => {
    const c = await central()
    const migration = readFileSync(join(findMigrationsDir('central'), '001_initial.sql'), 'utf8')
    const block = /DO \$tsdb\$\n([\s\S]*?)\n\$tsdb\$;/.exec(migration)?.[1]
    expect(block, 'the TimescaleDB DO block').toBeTruthy()

    // 1. Parses: a syntax error anywhere in the branch makes CREATE FUNCTION fail (and the check has teeth).
    await c.query(asFunction('tsdb_branch', block!))
    await expect(c.query(asFunction('tsdb_branch_broken', block!.replace('GROUP BY 1, 2\n  WITH NO DATA', 'GROUP 1, 2\n  WITH NO DATA')))).rejects.toThrow(/syntax error/)

    // 2. Runs against stand-ins that record their arguments.
    await c.query(`
      CREATE SCHEMA tsdb_stub;
      CREATE TABLE tsdb_stub.calls (n serial, fn text, rel text, args text);
      CREATE FUNCTION tsdb_stub.create_hypertable(relation regclass, time_column_name name, partitioning_column name = NULL,
          number_partitions integer = NULL, associated_schema_name name = NULL, associated_table_prefix name = NULL,
          chunk_time_interval anyelement = NULL::bigint, create_default_indexes boolean = true, if_not_exists boolean = false,
          partitioning_func regproc = NULL, migrate_data boolean = false, chunk_target_size text = NULL)
        RETURNS void LANGUAGE sql AS $$ INSERT INTO tsdb_stub.calls (fn, rel, args) VALUES ('create_hypertable', relation::text, time_column_name || ' ' || chunk_time_interval::text) $$;
      CREATE FUNCTION tsdb_stub.add_compression_policy(hypertable regclass, compress_after anyelement, if_not_exists boolean = false)
        RETURNS integer LANGUAGE sql AS $$ INSERT INTO tsdb_stub.calls (fn, rel, args) VALUES ('add_compression_policy', hypertable::text, compress_after::text) RETURNING n $$;
      CREATE FUNCTION tsdb_stub.add_continuous_aggregate_policy(continuous_aggregate regclass, start_offset anyelement, end_offset anyelement,
          schedule_interval interval, if_not_exists boolean = false)
        RETURNS integer LANGUAGE sql AS $$ INSERT INTO tsdb_stub.calls (fn, rel, args) VALUES ('add_continuous_aggregate_policy', continuous_aggregate::text, start_offset::text || ' ' || end_offset::text || ' ' || schedule_interval::text) RETURNING n $$;
      CREATE FUNCTION tsdb_stub.time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE
        AS $$ SELECT to_timestamp(floor(extract(epoch FROM ts) / extract(epoch FROM bucket_width)) * extract(epoch FROM bucket_width)) $$;
    `)
    const cuts: [RegExp, string][] = [
      [/IF NOT EXISTS \(SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'\)\s+OR current_setting\('shared_preload_libraries'\) NOT LIKE '%timescaledb%' THEN/, 'IF false THEN'],
      [/CREATE EXTENSION IF NOT EXISTS timescaledb;/, ''],
      [/ALTER TABLE eeg_data SET \(timescaledb\.compress[^;]*;/, ''],
      [/EXECUTE format\('ALTER TABLE %I SET \(timescaledb\.compress[^;]*;/, ''],
      [/ WITH \(timescaledb\.continuous\)/, ''],
      [/ALTER MATERIALIZED VIEW fatigue_per_minute SET \(timescaledb\.materialized_only = false\);/, '']
    ]
    let runnable = block!
    for (const [pattern, replacement] of cuts) {
      expect(pattern.test(runnable), `the migration still contains ${pattern}`).toBe(true)
      runnable = runnable.replace(pattern, replacement)
    }
    // As on a TimescaleDB server, the plain-PostgreSQL block's view does not exist.
    const run = async (license: string | null) => {
      await c.query('DROP VIEW IF EXISTS fatigue_per_minute; DROP MATERIALIZED VIEW IF EXISTS fatigue_per_minute; TRUNCATE tsdb_stub.calls')
      await c.query(license ? `SET timescaledb.license = '${license}'` : 'RESET timescaledb.license')
      await c.query(`SET search_path = public, tsdb_stub; DO $run$\n${runnable}\n$run$; RESET search_path`)
      return (await c.query<{ fn: string; rel: string; args: string }>('SELECT fn, rel, args FROM tsdb_stub.calls ORDER BY n')).rows
    }
    const hypertables = [
      { fn: 'create_hypertable', rel: 'eeg_data', args: 'time 1 day' },
      ...['face_events', 'game_events', 'alerts', 'markers', 'fatigue_metrics', 'device_events'].map((rel) => ({ fn: 'create_hypertable', rel, args: 'time 7 days' }))
    ]
    // Apache-only build: hypertables, and a plain view over time_bucket.
    expect(await run(null)).toEqual(hypertables)
    expect((await c.query<{ k: string }>("SELECT relkind AS k FROM pg_class WHERE relname = 'fatigue_per_minute'")).rows[0].k).toBe('v')
    // Timescale-licensed build: also compression policies and the continuous aggregate with its refresh policy.
    expect(await run('timescale')).toEqual([
      ...hypertables,
      { fn: 'add_compression_policy', rel: 'eeg_data', args: '7 days' },
      ...['face_events', 'game_events', 'fatigue_metrics', 'device_events'].map((rel) => ({ fn: 'add_compression_policy', rel, args: '30 days' })),
      { fn: 'add_continuous_aggregate_policy', rel: 'fatigue_per_minute', args: '30 days 00:01:00 00:05:00' }
    ])
    const columns = (await c.query<{ c: string }>("SELECT attname AS c FROM pg_attribute WHERE attrelid = 'fatigue_per_minute'::regclass AND attnum > 0 ORDER BY attnum")).rows.map((r) => r.c)
    expect(columns).toEqual(['bucket', 'session_id', 'updates', 'avg_score', 'min_score', 'max_score'])
  })

  // Migration 002 (audit trail): its TimescaleDB branch, checked the same way without the extension.
  it.skipIf(tsdb)('audit_events TimescaleDB branch, SQL-level: parses, and makes it a 30-day hypertable', async () => {
    const c = await central()
    const migration = readFileSync(join(findMigrationsDir('central'), '002_audit_events.sql'), 'utf8')
    const block = /DO \$audit\$\n([\s\S]*?)\n\$audit\$;/.exec(migration)?.[1]
    expect(block, 'the audit DO block').toBeTruthy()
    await c.query(asFunction('audit_branch', block!))
    await c.query(`
      CREATE SCHEMA tsdb_stub;
      CREATE TABLE tsdb_stub.calls (n serial, fn text, rel text, args text);
      CREATE FUNCTION tsdb_stub.create_hypertable(relation regclass, time_column_name name, partitioning_column name = NULL,
          number_partitions integer = NULL, associated_schema_name name = NULL, associated_table_prefix name = NULL,
          chunk_time_interval anyelement = NULL::bigint, create_default_indexes boolean = true, if_not_exists boolean = false,
          partitioning_func regproc = NULL, migrate_data boolean = false, chunk_target_size text = NULL)
        RETURNS void LANGUAGE sql AS $$ INSERT INTO tsdb_stub.calls (fn, rel, args) VALUES ('create_hypertable', relation::text, time_column_name || ' ' || chunk_time_interval::text) $$;
    `)
    const gate = /IF NOT EXISTS \(SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'\)\s+OR current_setting\('shared_preload_libraries'\) NOT LIKE '%timescaledb%' THEN/
    expect(gate.test(block!)).toBe(true)
    const runnable = block!.replace(gate, 'IF false THEN').replace('CREATE EXTENSION IF NOT EXISTS timescaledb;', '')
    await c.query(`SET search_path = public, tsdb_stub; DO $run$\n${runnable}\n$run$; RESET search_path`)
    expect((await c.query('SELECT fn, rel, args FROM tsdb_stub.calls')).rows).toEqual([{ fn: 'create_hypertable', rel: 'audit_events', args: 'time 30 days' }])
  })

  it('migrations are applied once, and a database changed by an unknown migration is refused', async () => {
    const c = await central()
    expect((await migrateCentral(c.url)).applied).toEqual([])
    const versions = (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version)
    const known = readdirSync(findMigrationsDir('central')).filter((f) => f.endsWith('.sql')).map((f) => Number(f.slice(0, 3)))
    expect(versions).toEqual(known)

    // A newer Vigil's next migration in the database: this version must refuse rather than guess.
    const future = Math.max(...known) + 1
    await c.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [future, `${String(future).padStart(3, '0')}_future.sql`, 'x'])
    await expect(migrateCentral(c.url)).rejects.toMatchObject({ code: 'STORAGE_UNKNOWN_MIGRATION' })

    // An applied file edited afterwards is refused too.
    const other = await central(false)
    const dir = mkdtempSync(join(tmpdir(), 'vigil-central-mig-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    for (const f of readdirSync(findMigrationsDir('central'))) copyFileSync(join(findMigrationsDir('central'), f), join(dir, f))
    await migrateCentral(other.url, dir)
    writeFileSync(join(dir, '001_initial.sql'), '-- edited\nSELECT 1;\n')
    await expect(migrateCentral(other.url, dir)).rejects.toThrow(/changed after it was applied/)
  })
})
