-- 办理附件: files a staff member attaches to an action on a case (现场核查记录, 专家评审意见, 检验
-- 报告, 听证笔录…), at any step. Internal working papers: shown to the staff of the case's unit,
-- not sent to the applicant. The event they belong to is the case's event of the same time and action.
CREATE TABLE case_attachments (
  id {{ID}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  event_ts BIGINT NOT NULL,
  action TEXT NOT NULL,
  file_sm3 TEXT NOT NULL,
  size BIGINT NOT NULL,
  mime TEXT NOT NULL,
  filename TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id);
