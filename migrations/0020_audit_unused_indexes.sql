-- Two indexes of the audit log that no query can use: the audit search filters the actor by a
-- part of the name (LIKE '%…%') and the action by a prefix under LIKE's case-insensitive rule,
-- which neither SQLite nor PostgreSQL serves from a plain b-tree; every search and the chain
-- check go by time (audit_ts) or by sequence. Each record of the chain paid for both on every
-- state change (two more b-trees written per commit). Dropped; the records are untouched.
DROP INDEX audit_action;
DROP INDEX audit_actor;
