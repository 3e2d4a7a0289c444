-- The audit trail (issue 23 item 9): who did what, when and from where. Written only through
-- src/station/audit/; never holds EEG, passwords or tokens (docs/security.md "Audit trail").
-- Append-only: the triggers below refuse every UPDATE and DELETE, so neither a bug nor a route can
-- rewrite history (someone with the database file can still drop the triggers: the central copy,
-- synced as the `audit_events` stream, is the one a station's own admin cannot edit).
-- id is AUTOINCREMENT: never reused, so (station_id, id) keys the row centrally.
CREATE TABLE audit_events (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  station_id      TEXT NOT NULL,
  t_ms            INTEGER NOT NULL,              -- UTC epoch ms
  actor_id        TEXT,                          -- users.id; NULL when nobody was signed in
  actor_email     TEXT,                          -- the actor's email then, or the attempted (normalised) one
  action          TEXT NOT NULL,                 -- closed vocabulary: src/shared/schemas/audit.ts
  target_type     TEXT,
  target_id       TEXT,
  client_address  TEXT,
  detail_json     TEXT NOT NULL DEFAULT '{}'
) STRICT;
-- No foreign keys: the trail outlives the users and sessions it names.
CREATE INDEX audit_events_t ON audit_events(t_ms);
CREATE INDEX audit_events_actor_t ON audit_events(actor_id, t_ms);
CREATE INDEX audit_events_action_t ON audit_events(action, t_ms);
CREATE INDEX audit_events_target ON audit_events(target_type, target_id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;
