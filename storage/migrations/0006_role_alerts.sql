-- Version 6: opt-in role alerts (/admin notify). The role is mentioned on confident updates
-- of the listed kinds in the topic's channel; no role or no kinds: no mention (the default).
ALTER TABLE topics ADD COLUMN alert_role_id INTEGER;
ALTER TABLE topics ADD COLUMN alert_kinds TEXT NOT NULL DEFAULT '[]';   -- JSON list of change kinds
