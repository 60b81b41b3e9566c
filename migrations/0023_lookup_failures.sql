-- Wrong 查询码 tries (identity/lookup_guard.hpp): per number ("case:DH…", "complaint:TS…") and
-- per client address ("client:1.2.3.4"), counted within an hour from the first wrong try. Rows a day past their
-- window are deleted as new failures come in.
CREATE TABLE lookup_failures (
  subject TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures INTEGER NOT NULL
);
CREATE INDEX lookup_failures_window ON lookup_failures (window_start);
