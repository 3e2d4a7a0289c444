-- Vigil central schema, version 1: what every station syncs into (PostgreSQL 15+, TimescaleDB optional).
-- Applied only by `npm run station -- migrate-central`; stations never migrate the central database.
--
-- Keys: a row's key is built from values fixed at the station, so a replayed batch is a no-op and two
-- stations can never collide:
--   eeg_data                  (session_id, time, seq)        session ids are UUIDv7 minted by one station
--   other time-series tables  (station_id, local_id, time)   local ids are SQLite AUTOINCREMENT (never reused)
-- The time column is in every key because TimescaleDB requires it on hypertables; the same keys are used
-- on plain PostgreSQL so both branches behave identically.

CREATE TABLE stations (
  station_id     uuid PRIMARY KEY,
  name           text NOT NULL,
  vigil_version  text,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  last_sync_at   timestamptz
);

-- Highest local id of each stream a station has committed here (written in the same transaction as the rows).
CREATE TABLE station_streams (
  station_id     uuid NOT NULL REFERENCES stations(station_id),
  stream         text NOT NULL,
  last_local_id  bigint NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, stream)
);

-- No password hashes: credentials never leave the station.
CREATE TABLE users (
  id          uuid PRIMARY KEY,
  station_id  uuid NOT NULL REFERENCES stations(station_id),
  email       text NOT NULL,
  full_name   text,
  role        text NOT NULL,
  is_active   boolean NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
-- The same person may have an account on several stations, so email is indexed, not unique.
CREATE INDEX users_email ON users (email);

CREATE TABLE sessions (
  id                uuid PRIMARY KEY,
  station_id        uuid NOT NULL REFERENCES stations(station_id),
  name              text NOT NULL,
  participant_code  text NOT NULL,
  notes             text NOT NULL,
  scenario          jsonb,
  device            jsonb,
  status            text NOT NULL,
  started_at        timestamptz,
  ended_at          timestamptz,
  created_by        uuid NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  version           integer NOT NULL,
  received_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_participant ON sessions (participant_code, created_at);
CREATE INDEX sessions_station ON sessions (station_id, created_at);

-- Deletions seen from any station; a tombstoned session is never re-created by a late upsert.
CREATE TABLE tombstones (
  entity       text NOT NULL,
  entity_id    uuid NOT NULL,
  station_id   uuid NOT NULL REFERENCES stations(station_id),
  deleted_at   timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity, entity_id)
);

-- One row per sample, channel values (µV) as a float4 array in the session's channel order
-- (sessions.device->'channelNames'). Why this layout and its measured size: docs/sync.md.
CREATE TABLE eeg_data (
  session_id  uuid NOT NULL,
  time        timestamptz NOT NULL,
  seq         bigint NOT NULL,
  values_uv   real[] NOT NULL,
  PRIMARY KEY (session_id, time, seq)
);

CREATE TABLE face_events (
  station_id  uuid NOT NULL,
  local_id    bigint NOT NULL,
  session_id  uuid NOT NULL,
  time        timestamptz NOT NULL,
  kind        text NOT NULL,
  data        jsonb NOT NULL,
  PRIMARY KEY (station_id, local_id, time)
);

CREATE TABLE game_events (
  station_id  uuid NOT NULL,
  local_id    bigint NOT NULL,
  session_id  uuid NOT NULL,
  time        timestamptz NOT NULL,
  kind        text NOT NULL,
  data        jsonb NOT NULL,
  PRIMARY KEY (station_id, local_id, time)
);

CREATE TABLE alerts (
  station_id       uuid NOT NULL,
  local_id         bigint NOT NULL,
  uid              uuid NOT NULL,
  session_id       uuid NOT NULL,
  time             timestamptz NOT NULL,
  type             text NOT NULL,
  severity         text NOT NULL,
  score            double precision,
  message          text NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  PRIMARY KEY (station_id, local_id, time)
);

CREATE TABLE markers (
  station_id  uuid NOT NULL,
  local_id    bigint NOT NULL,
  uid         uuid NOT NULL,
  session_id  uuid NOT NULL,
  time        timestamptz NOT NULL,
  label       text NOT NULL,
  value       text,
  created_by  text,
  PRIMARY KEY (station_id, local_id, time)
);

CREATE TABLE fatigue_metrics (
  station_id  uuid NOT NULL,
  local_id    bigint NOT NULL,
  session_id  uuid NOT NULL,
  time        timestamptz NOT NULL,
  score       double precision,
  level       text,
  data        jsonb NOT NULL,
  PRIMARY KEY (station_id, local_id, time)
);

CREATE TABLE device_events (
  station_id  uuid NOT NULL,
  local_id    bigint NOT NULL,
  session_id  uuid,
  time        timestamptz NOT NULL,
  kind        text NOT NULL,
  data        jsonb NOT NULL,
  PRIMARY KEY (station_id, local_id, time)
);

-- Per-session time-range reads. eeg_data's key already starts with (session_id, time).
CREATE INDEX face_events_session_time ON face_events (session_id, time);
CREATE INDEX game_events_session_time ON game_events (session_id, time);
CREATE INDEX alerts_session_time ON alerts (session_id, time);
CREATE INDEX alerts_uid ON alerts (uid);
CREATE INDEX markers_session_time ON markers (session_id, time);
CREATE INDEX markers_uid ON markers (uid);
CREATE INDEX fatigue_metrics_session_time ON fatigue_metrics (session_id, time);
CREATE INDEX device_events_session_time ON device_events (session_id, time);

-- Cross-session time-range reads: rows arrive roughly in time order, so BRIN stays tiny and selective.
-- Created only on plain PostgreSQL (TimescaleDB prunes by chunk instead), by the block below.
DO $plain$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     OR current_setting('shared_preload_libraries') NOT LIKE '%timescaledb%' THEN
    CREATE INDEX eeg_data_time_brin ON eeg_data USING brin (time);
    CREATE INDEX face_events_time_brin ON face_events USING brin (time);
    CREATE INDEX game_events_time_brin ON game_events USING brin (time);
    CREATE INDEX alerts_time_brin ON alerts USING brin (time);
    CREATE INDEX markers_time_brin ON markers USING brin (time);
    CREATE INDEX fatigue_metrics_time_brin ON fatigue_metrics USING brin (time);
    CREATE INDEX device_events_time_brin ON device_events USING brin (time);
    -- Same name and columns as the TimescaleDB continuous aggregate, so queries work on both.
    CREATE VIEW fatigue_per_minute AS
      SELECT date_trunc('minute', time) AS bucket, session_id,
             count(*) AS updates, avg(score) AS avg_score, min(score) AS min_score, max(score) AS max_score
      FROM fatigue_metrics
      GROUP BY 1, 2;
  END IF;
END
$plain$;

-- TimescaleDB branch: runs only where the extension is installed and preloaded.
-- eeg_data: 1-day chunks. One 8-channel 250 Hz station writes ~3 GB/day (1000 Hz/16 ch ~20 GB/day) before
-- compression; a day of a few stations fits the "one chunk of every hypertable in 25% of RAM" rule on a
-- 32-64 GB server, and week-old chunks compress. Event tables are tiny: 7-day chunks.
-- Compression and continuous aggregates need the Timescale-licensed build (timescaledb.license = 'timescale');
-- on an Apache-only build the hypertables are still created and the plain view serves the summaries.
DO $tsdb$
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     OR current_setting('shared_preload_libraries') NOT LIKE '%timescaledb%' THEN
    RAISE NOTICE 'timescaledb not available: plain PostgreSQL tables with BRIN indexes';
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS timescaledb;
  PERFORM create_hypertable('eeg_data', 'time', chunk_time_interval => INTERVAL '1 day');
  FOREACH t IN ARRAY ARRAY['face_events', 'game_events', 'alerts', 'markers', 'fatigue_metrics', 'device_events'] LOOP
    PERFORM create_hypertable(t::regclass, 'time', chunk_time_interval => INTERVAL '7 days');
  END LOOP;

  IF coalesce(current_setting('timescaledb.license', true), '') <> 'timescale' THEN
    RAISE NOTICE 'timescaledb Apache-only build: no compression, plain view for per-minute fatigue';
    CREATE VIEW fatigue_per_minute AS
      SELECT time_bucket(INTERVAL '1 minute', time) AS bucket, session_id,
             count(*) AS updates, avg(score) AS avg_score, min(score) AS min_score, max(score) AS max_score
      FROM fatigue_metrics
      GROUP BY 1, 2;
    RETURN;
  END IF;

  -- Segment by session: every query filters by session, and a session holds far more than the
  -- 1000 rows a compressed batch needs. Segment and order columns cover each table's key, so replays
  -- into compressed chunks still find their duplicates.
  -- Alerts and markers stay uncompressed: acknowledgements and edits update them.
  ALTER TABLE eeg_data SET (timescaledb.compress, timescaledb.compress_segmentby = 'session_id',
                            timescaledb.compress_orderby = 'time, seq');
  PERFORM add_compression_policy('eeg_data', INTERVAL '7 days');
  FOREACH t IN ARRAY ARRAY['face_events', 'game_events', 'fatigue_metrics', 'device_events'] LOOP
    EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, '
                   'timescaledb.compress_orderby = %L)', t, 'station_id, session_id', 'time, local_id');
    PERFORM add_compression_policy(t::regclass, INTERVAL '30 days');
  END LOOP;

  CREATE MATERIALIZED VIEW fatigue_per_minute WITH (timescaledb.continuous) AS
    SELECT time_bucket(INTERVAL '1 minute', time) AS bucket, session_id,
           count(*) AS updates, avg(score) AS avg_score, min(score) AS min_score, max(score) AS max_score
    FROM fatigue_metrics
    GROUP BY 1, 2
  WITH NO DATA;
  -- Stations sync late (offline recordings), so refresh a wide window; real-time aggregation covers the rest.
  ALTER MATERIALIZED VIEW fatigue_per_minute SET (timescaledb.materialized_only = false);
  PERFORM add_continuous_aggregate_policy('fatigue_per_minute',
    start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '5 minutes');
END
$tsdb$;
