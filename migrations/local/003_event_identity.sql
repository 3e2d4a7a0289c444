-- A face or game event is identified by its session, time and kind: a producer that re-sends a batch
-- whose ack it lost (after a reconnect) must not store it twice. Writers use INSERT OR IGNORE.
CREATE UNIQUE INDEX face_events_identity ON face_events(session_id, t_ms, kind);
CREATE UNIQUE INDEX game_events_identity ON game_events(session_id, t_ms, kind);
DROP INDEX face_events_session_t;
DROP INDEX game_events_session_t;
