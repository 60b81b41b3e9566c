-- Complaints (投诉处理, the sixth function of electronic supervision). A complaint about a case
-- or a department arrives online on the external zone (or by letter or phone, registered by
-- staff inside); the working copy lives inside, the complainant's copy outside; they meet only
-- through exchange packets keyed by complaint_no (complaint.submitted in, complaint.updated
-- out, forward-only by revision). Acceptance is decided within 5 working days of receipt,
-- then handling and a reply the complainant can read with the query code.
CREATE TABLE complaints (
  id {{ID}},
  complaint_no TEXT NOT NULL UNIQUE,     -- TS + YYYYMMDD + 6 digits
  query_code_hash TEXT NOT NULL,         -- SM3 of complaint_no:code; the code is shown once
  about TEXT NOT NULL,                   -- case | department
  case_no TEXT NOT NULL DEFAULT '',      -- '' when about a department
  dept_unit_id BIGINT NOT NULL DEFAULT 0,  -- the department complained about (this zone's unit id)
  dept_code TEXT NOT NULL DEFAULT '',    -- the same by code (unit ids differ between zones)
  dept_name TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL,                 -- online | letter | phone
  complainant_id BIGINT NOT NULL DEFAULT 0,  -- public account when submitted logged in
  complainant_name TEXT NOT NULL,
  complainant_mobile TEXT NOT NULL,
  content TEXT NOT NULL,
  state TEXT NOT NULL,                   -- submitted | received | accepted | rejected | replied
  reason TEXT NOT NULL DEFAULT '',       -- why it was not accepted
  reply TEXT NOT NULL DEFAULT '',
  upheld INTEGER NOT NULL DEFAULT 0,     -- 1 = the complaint was found substantiated
  submitted_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL DEFAULT 0,
  acceptance_due TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD, 5 working days from receipt
  accepted_at BIGINT NOT NULL DEFAULT 0,
  rejected_at BIGINT NOT NULL DEFAULT 0,
  reply_due TEXT NOT NULL DEFAULT '',
  replied_at BIGINT NOT NULL DEFAULT 0,
  registered_by TEXT NOT NULL DEFAULT '',  -- staff who registered a letter or phone complaint
  idempotency_key TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  revision INTEGER NOT NULL DEFAULT 0    -- raised by every change inside
);
CREATE INDEX complaints_state ON complaints(state, received_at);
CREATE INDEX complaints_case ON complaints(case_no);
CREATE INDEX complaints_dept ON complaints(dept_unit_id);
-- A double click or a retried API call with the same key makes one complaint.
CREATE UNIQUE INDEX complaints_idempotency ON complaints(complainant_mobile, idempotency_key) WHERE idempotency_key <> '';

-- The timeline. public = shown to the complainant (staff names are not; their unit is).
CREATE TABLE complaint_events (
  id {{ID}},
  complaint_id BIGINT NOT NULL REFERENCES complaints(id),
  ts BIGINT NOT NULL,
  action TEXT NOT NULL,                  -- submit | register | receive | accept | reject | reply
  state TEXT NOT NULL,
  actor TEXT NOT NULL,
  unit_name TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  public INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, ts);
