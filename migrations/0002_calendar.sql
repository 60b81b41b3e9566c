-- The official working-day calendar: special days (holidays and 调休 make-up working days)
-- of each imported year. A year without a row in calendar_years is "not loaded".
CREATE TABLE calendar_years (
  year INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  imported_at BIGINT NOT NULL,
  imported_by TEXT NOT NULL
);

CREATE TABLE calendar_days (
  day TEXT PRIMARY KEY,
  year INTEGER NOT NULL REFERENCES calendar_years(year),
  kind TEXT NOT NULL,
  name TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days(year);
