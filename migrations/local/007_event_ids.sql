-- Face and game events are identified by a producer-chosen id (or, from older clients, a key the
-- station derives from the event's content: src/station/ingest/event-identity.ts), no longer by
-- (session, time, kind): two different events with the same time and kind were both acknowledged but
-- only the first was stored. Rows stored before get a key of their own that no producer can send.
ALTER TABLE face_events ADD COLUMN event_id TEXT;
ALTER TABLE game_events ADD COLUMN event_id TEXT;
UPDATE face_events SET event_id = '#' || id;
UPDATE game_events SET event_id = '#' || id;
DROP INDEX face_events_identity;
DROP INDEX game_events_identity;
CREATE UNIQUE INDEX face_events_event_id ON face_events(session_id, event_id);
CREATE UNIQUE INDEX game_events_event_id ON game_events(session_id, event_id);
CREATE INDEX face_events_session_t ON face_events(session_id, t_ms);
CREATE INDEX game_events_session_t ON game_events(session_id, t_ms);
