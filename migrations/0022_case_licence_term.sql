-- 证照有效期至 set by the 审批人 when granting a licence whose catalogue item fixes no term: a
-- 变更 (change) keeps the original licence's term, read off the original among the materials.
-- '' when the item fixes the term (or there is none); the certificate prints whichever applies.
ALTER TABLE cases ADD COLUMN licence_valid_until TEXT NOT NULL DEFAULT '';
