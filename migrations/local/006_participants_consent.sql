-- Participant records and consent (issue 23 item 10). A participant is identified by the pseudonymous
-- code its sessions carry (sessions.participant_code); the record says what they consented to.
-- Consent scopes are columns, not a list, so the checks that gate recording, sync and export are plain SQL.
CREATE TABLE participants (
  id                       TEXT PRIMARY KEY,          -- UUIDv7
  code                     TEXT NOT NULL UNIQUE,      -- = sessions.participant_code
  consent_form_version     TEXT NOT NULL,
  consent_date             TEXT NOT NULL,             -- YYYY-MM-DD
  consent_local_recording  INTEGER NOT NULL CHECK (consent_local_recording IN (0, 1)),
  consent_central_sync     INTEGER NOT NULL CHECK (consent_central_sync IN (0, 1)),
  consent_data_sharing     INTEGER NOT NULL CHECK (consent_data_sharing IN (0, 1)),
  age                      INTEGER CHECK (age BETWEEN 0 AND 130),
  sex                      TEXT CHECK (sex IN ('female', 'male', 'other')),
  handedness               TEXT CHECK (handedness IN ('left', 'right', 'ambidextrous')),
  created_by               TEXT NOT NULL,
  created_at               TEXT NOT NULL,
  updated_at               TEXT NOT NULL,
  version                  INTEGER NOT NULL DEFAULT 1,
  -- The version last committed centrally: a record with version > synced_version waits for the sync.
  -- (A column rather than a sync_outbox trigger: the outbox's entity CHECK would need a table rebuild.)
  synced_version           INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Sessions whose rows the sync skipped because their participant had not consented to central sync.
-- Their rows stay local below the stream cursors; once consent is given the sync sends them (by
-- session, idempotently) and removes the row here. Written in the transaction that moves the cursor.
CREATE TABLE sync_consent_held (
  session_id  TEXT PRIMARY KEY,
  held_at     TEXT NOT NULL
) STRICT;
