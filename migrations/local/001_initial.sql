-- Vigil local (station) schema, version 1.
-- Times: *_at columns are ISO-8601 UTC text; t_ms columns are UTC epoch milliseconds (REAL, sub-ms allowed).
-- High-rate tables use INTEGER PRIMARY KEY AUTOINCREMENT so a local id is never reused after deletes:
-- (station_id, table, id) is the idempotency key of a row in the central database.

CREATE TABLE station_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  id                 TEXT PRIMARY KEY,            -- UUIDv7
  email              TEXT NOT NULL UNIQUE,        -- trimmed, case-folded
  full_name          TEXT,
  role               TEXT NOT NULL CHECK (role IN ('admin', 'researcher', 'student')),
  password_hash      TEXT NOT NULL,
  is_active          INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  tokens_valid_after INTEGER NOT NULL DEFAULT 0, -- epoch ms: access tokens issued before are refused
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
) STRICT;

CREATE TABLE refresh_tokens (
  id          TEXT PRIMARY KEY,                  -- UUIDv7
  family_id   TEXT NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash  TEXT NOT NULL UNIQUE,              -- SHA-256 of the opaque token; the token itself is never stored
  parent_id   TEXT,
  created_at  INTEGER NOT NULL,                  -- epoch ms
  expires_at  INTEGER NOT NULL,
  rotated_at  INTEGER,
  revoked_at  INTEGER
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

CREATE TABLE sessions (
  id               TEXT PRIMARY KEY,             -- UUIDv7
  station_id       TEXT NOT NULL,
  name             TEXT NOT NULL,
  participant_code TEXT NOT NULL,
  notes            TEXT NOT NULL DEFAULT '',
  scenario_json    TEXT,                         -- {"id": "...", "seed": n}
  device_json      TEXT,                         -- {"kind","port","channelNames","sampleRateHz"}
  status           TEXT NOT NULL DEFAULT 'planned'
                   CHECK (status IN ('planned', 'recording', 'paused', 'completed', 'aborted')),
  started_at       TEXT,
  ended_at         TEXT,
  created_by       TEXT NOT NULL REFERENCES users(id),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  version          INTEGER NOT NULL DEFAULT 1   -- bumped on every edit; central upserts keep the highest
) STRICT;
CREATE INDEX sessions_created_at ON sessions(created_at DESC);
CREATE INDEX sessions_created_by ON sessions(created_by);
CREATE INDEX sessions_status ON sessions(status);

-- One row per sample: channel values as little-endian Float32 µV, channel order from sessions.device_json.
CREATE TABLE eeg_samples (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,                  -- per-session sample sequence; gaps are drops
  t_ms        REAL NOT NULL,
  values_f32  BLOB NOT NULL,
  UNIQUE (session_id, seq)
) STRICT;

CREATE TABLE face_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  t_ms        REAL NOT NULL,
  kind        TEXT NOT NULL,                     -- frame | blink | yawn | status ...
  data_json   TEXT NOT NULL
) STRICT;
CREATE INDEX face_events_session_t ON face_events(session_id, t_ms);

CREATE TABLE game_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  t_ms        REAL NOT NULL,
  kind        TEXT NOT NULL,                     -- state | lane_departure | stimulus | response | kss ...
  data_json   TEXT NOT NULL
) STRICT;
CREATE INDEX game_events_session_t ON game_events(session_id, t_ms);

CREATE TABLE alerts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  uid              TEXT NOT NULL UNIQUE,         -- UUIDv7, the id clients see
  session_id       TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  t_ms             REAL NOT NULL,
  type             TEXT NOT NULL,                -- eeg_fatigue | perclos | microsleep | lane_departure | slow_reaction | kss_high
  severity         TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'severe')),
  score            REAL,
  message          TEXT NOT NULL,
  acknowledged_at  TEXT,
  acknowledged_by  TEXT
) STRICT;
CREATE INDEX alerts_session_t ON alerts(session_id, t_ms);

CREATE TABLE markers (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  uid         TEXT NOT NULL UNIQUE,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  t_ms        REAL NOT NULL,
  label       TEXT NOT NULL,
  value       TEXT,
  created_by  TEXT
) STRICT;
CREATE INDEX markers_session_t ON markers(session_id, t_ms);

-- Fatigue engine output, one row per update (about 1 Hz): the source of per-minute summaries.
CREATE TABLE fatigue_metrics (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  t_ms        REAL NOT NULL,
  score       REAL,
  level       TEXT,
  data_json   TEXT NOT NULL
) STRICT;
CREATE INDEX fatigue_metrics_session_t ON fatigue_metrics(session_id, t_ms);

-- Connects, disconnects, reconnects, sample gaps (data_json has the gap size), quality changes.
CREATE TABLE device_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT REFERENCES sessions(id) ON DELETE CASCADE,
  t_ms        REAL NOT NULL,
  kind        TEXT NOT NULL,
  data_json   TEXT NOT NULL
) STRICT;
CREATE INDEX device_events_session_t ON device_events(session_id, t_ms);

-- Deletions waiting to reach the central database.
CREATE TABLE tombstones (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  entity      TEXT NOT NULL,                     -- 'session'
  entity_id   TEXT NOT NULL,
  deleted_at  TEXT NOT NULL
) STRICT;

-- Sync cursors: the highest local id of each stream confirmed committed centrally.
CREATE TABLE sync_cursors (
  stream      TEXT PRIMARY KEY,
  last_id     INTEGER NOT NULL DEFAULT 0,
  updated_at  TEXT NOT NULL
) STRICT;
