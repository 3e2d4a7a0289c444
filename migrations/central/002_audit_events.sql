-- The audit trail of every station (issue 23 item 9), synced as the append-only `audit_events` stream.
-- Keyed like the other append-only streams: (station_id, local_id, time), fixed at the station, so a
-- replayed batch is a no-op. Not tied to a session: a session's deletion does not remove its audit rows.
CREATE TABLE audit_events (
  station_id      uuid NOT NULL,
  local_id        bigint NOT NULL,
  time            timestamptz NOT NULL,
  actor_id        uuid,
  actor_email     text,
  action          text NOT NULL,
  target_type     text,
  target_id       text,
  client_address  text,
  detail          jsonb NOT NULL,
  PRIMARY KEY (station_id, local_id, time)
);
CREATE INDEX audit_events_actor_time ON audit_events (actor_id, time);
CREATE INDEX audit_events_action_time ON audit_events (action, time);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id);

-- Append-only centrally too: rows are only ever inserted by the sync.
CREATE FUNCTION vigil_audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END
$fn$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION vigil_audit_events_append_only();

DO $audit$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     OR current_setting('shared_preload_libraries') NOT LIKE '%timescaledb%' THEN
    CREATE INDEX audit_events_time_brin ON audit_events USING brin (time);
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS timescaledb;
  -- Tiny table: 30-day chunks.
  PERFORM create_hypertable('audit_events', 'time', chunk_time_interval => INTERVAL '30 days');
END
$audit$;
