-- Sealed documents (决定书, 证照): the PDF in the file store, what it certifies, and an SM2
-- signature by the issuing department's seal key over SM3 (GB/T 38540 electronic seal).
CREATE TABLE seal_keys (
  unit_id BIGINT PRIMARY KEY REFERENCES units(id),
  public_pem TEXT NOT NULL,
  private_sealed TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE documents (
  id {{ID}},
  doc_no TEXT NOT NULL UNIQUE,
  case_no TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  issuer TEXT NOT NULL,
  payload TEXT NOT NULL,
  pdf_sm3 TEXT NOT NULL,
  signature TEXT NOT NULL,
  public_pem TEXT NOT NULL,
  issued_at BIGINT NOT NULL
);
CREATE INDEX documents_case ON documents(case_no);
