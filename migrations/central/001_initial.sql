-- Placeholder replaced by the sync work (issue 7): the central schema starts here.
CREATE TABLE IF NOT EXISTS vigil_central_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
