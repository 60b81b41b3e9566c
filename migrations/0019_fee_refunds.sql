-- 退费: a paid fee given back when the case ended without the licence (the applicant withdrew, or
-- 不予许可), recorded against the refund voucher's number (退费凭证号), in full. The voucher
-- proves one refund: the same number is never recorded twice.
ALTER TABLE case_fees ADD COLUMN refunded_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_fees ADD COLUMN refund_no TEXT NOT NULL DEFAULT '';
ALTER TABLE case_fees ADD COLUMN refund_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE case_fees ADD COLUMN refunded_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_fees ADD COLUMN refunded_by TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX case_fees_refund ON case_fees(refund_no) WHERE refund_no <> '';
