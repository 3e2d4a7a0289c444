-- A refresh token that was replaced because its client retried the parent within the grace window
-- (the refresh response was lost). Presenting it later means two holders: it counts as reuse.
ALTER TABLE refresh_tokens ADD COLUMN superseded_at INTEGER;
