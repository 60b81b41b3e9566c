-- Fees of a case (收费) and the payment recorded against each, and applications saved as
-- drafts (草稿) on the external zone.
--
-- case_fees: one row per fee of the item version the case runs on. catalogue_fen is the
-- catalogue amount, assessed_fen what staff assessed (a different amount only with a written
-- reason in note), paid_fen what was paid against receipt_no. Supervision compares the three
-- (违规收费). Amounts are integers in 分.
CREATE TABLE case_fees (
  id {{ID}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  fee_no INTEGER NOT NULL,
  name TEXT NOT NULL,
  basis TEXT NOT NULL DEFAULT '',
  catalogue_fen BIGINT NOT NULL,
  assessed_fen BIGINT NOT NULL,
  assessed_by TEXT NOT NULL,
  assessed_at BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  paid_fen BIGINT NOT NULL DEFAULT 0,
  receipt_no TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  paid_at BIGINT NOT NULL DEFAULT 0,
  recorded_by TEXT NOT NULL DEFAULT '',
  UNIQUE (case_id, fee_no)
);
-- A receipt proves one payment: the same number is never recorded twice.
CREATE UNIQUE INDEX case_fees_receipt ON case_fees(receipt_no) WHERE receipt_no <> '';

-- Drafts: only on the external zone, never sent inside. A draft keeps the contact fields, the
-- description and the materials already uploaded (the files are in the file store, by SM3).
-- case_no is set when the draft was submitted: it then became that case, once.
CREATE TABLE application_drafts (
  id {{ID}},
  applicant_id BIGINT NOT NULL REFERENCES public_accounts(id),
  item_code TEXT NOT NULL,
  item_name TEXT NOT NULL,
  contact_name TEXT NOT NULL DEFAULT '',
  contact_mobile TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  case_no TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX application_drafts_applicant ON application_drafts(applicant_id, updated_at);

CREATE TABLE application_draft_materials (
  id {{ID}},
  draft_id BIGINT NOT NULL REFERENCES application_drafts(id),
  material_no INTEGER NOT NULL,
  name TEXT NOT NULL,
  file_sm3 TEXT NOT NULL,
  size BIGINT NOT NULL,
  mime TEXT NOT NULL,
  filename TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (draft_id, material_no)
);
