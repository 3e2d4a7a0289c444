-- Placeholder: number 005 belongs to the audit trail, built on another branch at the same time.
-- Migration files must have no gaps, so this empty file lets the consent branch (006) run alone.
-- When the branches merge, the audit branch's 005 replaces this file (delete this one).
SELECT 1;
