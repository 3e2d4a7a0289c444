-- Sync bookkeeping (issue 7): an outbox for edits of mutable rows and a quarantine for rows the central
-- database refuses.

-- Edits of mutable rows, filled by triggers so no write path can forget to tell the sync. The entity's
-- current row is read when the sync runs, so several edits of one row cost one central upsert.
CREATE TABLE sync_outbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  entity     TEXT NOT NULL CHECK (entity IN ('user', 'session', 'alert', 'marker')),
  entity_id  TEXT NOT NULL                       -- users/sessions: UUID; alerts/markers: local id
) STRICT;

CREATE TRIGGER sync_outbox_user_inserted AFTER INSERT ON users
BEGIN INSERT INTO sync_outbox (entity, entity_id) VALUES ('user', NEW.id); END;
-- Password and token-revocation changes stay local: only the synced columns count.
CREATE TRIGGER sync_outbox_user_updated AFTER UPDATE OF email, full_name, role, is_active ON users
BEGIN INSERT INTO sync_outbox (entity, entity_id) VALUES ('user', NEW.id); END;
CREATE TRIGGER sync_outbox_session_inserted AFTER INSERT ON sessions
BEGIN INSERT INTO sync_outbox (entity, entity_id) VALUES ('session', NEW.id); END;
CREATE TRIGGER sync_outbox_session_updated AFTER UPDATE ON sessions
BEGIN INSERT INTO sync_outbox (entity, entity_id) VALUES ('session', NEW.id); END;
-- Alerts and markers are streamed by id when created; these catch later acknowledgements and edits.
CREATE TRIGGER sync_outbox_alert_updated AFTER UPDATE ON alerts
BEGIN INSERT INTO sync_outbox (entity, entity_id) VALUES ('alert', CAST(NEW.id AS TEXT)); END;
CREATE TRIGGER sync_outbox_marker_updated AFTER UPDATE ON markers
BEGIN INSERT INTO sync_outbox (entity, entity_id) VALUES ('marker', CAST(NEW.id AS TEXT)); END;

-- Rows written before this migration.
INSERT INTO sync_outbox (entity, entity_id) SELECT 'user', id FROM users ORDER BY created_at;
INSERT INTO sync_outbox (entity, entity_id) SELECT 'session', id FROM sessions ORDER BY created_at;

-- Rows the central database refused as bad data (or that cannot be encoded): set aside so the queue
-- never blocks, shown in the sync status, kept out of local pruning.
CREATE TABLE sync_quarantine (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  stream          TEXT NOT NULL,
  local_id        TEXT NOT NULL,
  error           TEXT NOT NULL,
  row_json        TEXT NOT NULL,
  quarantined_at  TEXT NOT NULL,
  UNIQUE (stream, local_id)
) STRICT;
