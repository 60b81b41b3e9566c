-- Approval cases (办件). The external zone keeps the applicant's copy (submitted, then status
-- fed back); the internal zone keeps the working copy. The two meet only through exchange
-- packets, keyed by case_no.
CREATE TABLE cases (
  id {{ID}},
  case_no TEXT NOT NULL UNIQUE,
  query_code_hash TEXT NOT NULL,
  item_code TEXT NOT NULL,
  item_version INTEGER NOT NULL,
  item_name TEXT NOT NULL,
  dept_code TEXT NOT NULL,
  dept_unit_id BIGINT NOT NULL DEFAULT 0,
  applicant_id BIGINT NOT NULL,
  applicant_kind TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  applicant_id_number TEXT NOT NULL,
  contact_name TEXT NOT NULL,
  contact_mobile TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  corrections_requested INTEGER NOT NULL DEFAULT 0,
  correction_note TEXT NOT NULL DEFAULT '',
  submitted_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL DEFAULT 0,
  corrections_complete_at BIGINT NOT NULL DEFAULT 0,
  accepted_at BIGINT NOT NULL DEFAULT 0,
  accepted_on TEXT NOT NULL DEFAULT '',
  acceptance_due TEXT NOT NULL DEFAULT '',
  promised_due TEXT NOT NULL DEFAULT '',
  statutory_due TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  UNIQUE (applicant_id, idempotency_key)
);
CREATE INDEX cases_state ON cases(state, dept_unit_id);
CREATE INDEX cases_applicant ON cases(applicant_id, submitted_at);
CREATE INDEX cases_acceptance_due ON cases(acceptance_due);

CREATE TABLE case_materials (
  id {{ID}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  material_no INTEGER NOT NULL,
  name TEXT NOT NULL,
  file_sm3 TEXT NOT NULL,
  size BIGINT NOT NULL,
  mime TEXT NOT NULL,
  filename TEXT NOT NULL,
  round INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX case_materials_case ON case_materials(case_id);

-- The timeline: every step with its time, actor and opinion. public = shown to the applicant.
CREATE TABLE case_events (
  id {{ID}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  ts BIGINT NOT NULL,
  action TEXT NOT NULL,
  state TEXT NOT NULL,
  actor TEXT NOT NULL,
  unit_name TEXT NOT NULL DEFAULT '',
  opinion TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX case_events_case ON case_events(case_id, ts);
