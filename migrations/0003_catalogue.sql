-- The approval item catalogue (事项目录). Each row is one version of an item; a running case
-- keeps the version (row id) it started on. Materials, fees and steps of a version are
-- immutable once published and are stored with it as JSON.
CREATE TABLE items (
  id {{ID}},
  code TEXT NOT NULL,
  version INTEGER NOT NULL,
  dept_unit_id BIGINT NOT NULL REFERENCES units(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  legal_basis TEXT NOT NULL DEFAULT '',
  conditions TEXT NOT NULL DEFAULT '',
  statutory_days INTEGER NOT NULL,
  promised_days INTEGER NOT NULL,
  place TEXT NOT NULL DEFAULT '',
  fully_online INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  search_tokens TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  published_at BIGINT NOT NULL DEFAULT 0,
  UNIQUE (code, version)
);
CREATE INDEX items_status ON items(status, dept_unit_id);
CREATE INDEX items_code ON items(code, version);

-- Search index over the tokenizer's output (src/core/text_search.hpp), published items only.
-- @sqlite
CREATE VIRTUAL TABLE items_fts USING fts5(tokens, tokenize = 'unicode61');
-- @end
-- @postgres
ALTER TABLE items ADD COLUMN search_tsv tsvector;
CREATE INDEX items_search ON items USING GIN (search_tsv);
-- @end
