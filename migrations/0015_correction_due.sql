-- 补正期限: the day by which the applicant is to send the corrections listed in the one-time
-- notice (working days from the notice, LegalPeriods::correction_days). Kept after the corrections
-- arrive; supervision and reports find the overdue ones with state = 'correction'.
ALTER TABLE cases ADD COLUMN correction_due TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_correction_due ON cases(state, correction_due);
