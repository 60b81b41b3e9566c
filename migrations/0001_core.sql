-- Core schema: units, staff users and roles, public accounts, sessions, audit chain,
-- exchange outbox/inbox, file store metadata. See src/db/migrator.hpp for dialect notes.

CREATE TABLE units (
  id {{ID}},
  parent_id BIGINT REFERENCES units(id),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  sort_order INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
  id {{ID}},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  mobile TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  password_changed_at BIGINT NOT NULL,
  totp_secret TEXT NOT NULL DEFAULT '',
  totp_last_step BIGINT NOT NULL DEFAULT -1,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_login_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE user_roles (
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  PRIMARY KEY (user_id, role)
);

CREATE TABLE public_accounts (
  id {{ID}},
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  id_number TEXT NOT NULL UNIQUE,
  mobile TEXT NOT NULL,
  legal_rep TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  password_changed_at BIGINT NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_login_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  zone TEXT NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_id BIGINT NOT NULL,
  stage TEXT NOT NULL,
  csrf TEXT NOT NULL,
  totp_pending TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  client_ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX sessions_principal ON sessions(principal_kind, principal_id);

CREATE TABLE audit_log (
  id {{ID}},
  seq BIGINT NOT NULL UNIQUE,
  ts BIGINT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  actor_name TEXT NOT NULL DEFAULT '',
  unit_id BIGINT NOT NULL DEFAULT 0,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL DEFAULT '',
  object_id TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  client_ip TEXT NOT NULL DEFAULT '',
  zone TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_ts ON audit_log(ts);
CREATE INDEX audit_action ON audit_log(action, ts);
CREATE INDEX audit_actor ON audit_log(actor_name, ts);

-- The head of the chain: one row, locked by every audited transaction so that the chain is
-- linear on PostgreSQL too.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  last_seq BIGINT NOT NULL,
  last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The audit log cannot be changed through the application's connection (网络安全法 第二十一条,
-- 等保 audit protection); `yiwang audit verify` detects what is done around these triggers.
-- @sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- @end
-- @postgres
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- @end

CREATE TABLE exchange_counters (
  to_zone TEXT PRIMARY KEY,
  next_seq BIGINT NOT NULL
);
INSERT INTO exchange_counters (to_zone, next_seq) VALUES ('internal', 1);
INSERT INTO exchange_counters (to_zone, next_seq) VALUES ('external', 1);

CREATE TABLE exchange_outbox (
  id {{ID}},
  to_zone TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  sent_at BIGINT NOT NULL DEFAULT 0,
  acked_at BIGINT NOT NULL DEFAULT 0,
  UNIQUE (to_zone, seq)
);
CREATE INDEX exchange_outbox_pending ON exchange_outbox(to_zone, acked_at, seq);

CREATE TABLE exchange_inbox (
  from_zone TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  hash TEXT NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (from_zone, seq)
);

CREATE TABLE exchange_errors (
  id {{ID}},
  from_zone TEXT NOT NULL,
  packet TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE files (
  sm3 TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  mime TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
