-- The flow after acceptance: the item's steps in order (承办 → 审核 → 审批), each claimed by a
-- person holding the step's role; special procedures that stop the clock (行政许可法 第四十五条);
-- one extension (第四十二条); the decision and conclusion.
ALTER TABLE cases ADD COLUMN current_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN assignee_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN assignee_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN step_started_on TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN step_due TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN extension_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN decision TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN concluded_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_step_due ON cases(step_due);
CREATE INDEX cases_promised_due ON cases(promised_due);

CREATE TABLE case_suspensions (
  id {{ID}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  from_date TEXT NOT NULL,
  to_date TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL
);
CREATE INDEX case_suspensions_case ON case_suspensions(case_id);
