-- Electronic supervision (电子监察). One engine watches the deadlines of every module through
-- one table: a module declares each open clock (case total, a step, the acceptance window, a
-- correction period, a special procedure, a complaint's acceptance…) in its own transaction;
-- the monitor reads only the rows whose colour is due to change (index on next_check), never
-- the whole table.
CREATE TABLE sv_deadlines (
  id {{ID}},
  source TEXT NOT NULL,          -- module: approval, complaints, (letters, disclosure, documents later)
  subject TEXT NOT NULL,         -- the module's record key, e.g. a case number
  kind TEXT NOT NULL,            -- acceptance | correction | total | step:N | special | ...
  label TEXT NOT NULL,           -- 受理期限, “审核”环节期限, 承诺办结期限 ...
  parent_kind TEXT NOT NULL DEFAULT '',  -- e.g. a step's parent is the total: no step alert once the total is late
  overdue_rule TEXT NOT NULL,    -- rule code raised when the clock passes its due date
  topic_code TEXT NOT NULL DEFAULT '',   -- e.g. item code, for counts per item
  topic_name TEXT NOT NULL DEFAULT '',
  unit_id BIGINT NOT NULL,
  unit_name TEXT NOT NULL DEFAULT '',
  person_id BIGINT NOT NULL DEFAULT 0,
  person_name TEXT NOT NULL DEFAULT '',
  started_on TEXT NOT NULL,      -- YYYY-MM-DD
  due_on TEXT NOT NULL,          -- last day in time
  warn_on TEXT NOT NULL,         -- first yellow day (N working days before due_on)
  paused INTEGER NOT NULL DEFAULT 0,   -- a suspended clock does not advance
  is_open INTEGER NOT NULL DEFAULT 1,
  colour TEXT NOT NULL DEFAULT 'green',
  next_check TEXT NOT NULL,      -- the day the colour may next change; '9999-12-31' = never
  closed_on TEXT NOT NULL DEFAULT '',
  late INTEGER NOT NULL DEFAULT 0,     -- closed after due_on
  updated_at BIGINT NOT NULL,
  UNIQUE (source, subject, kind)
);
CREATE INDEX sv_deadlines_next ON sv_deadlines(next_check);
CREATE INDEX sv_deadlines_open ON sv_deadlines(is_open, colour, unit_id);
CREATE INDEX sv_deadlines_due ON sv_deadlines(is_open, due_on);

-- Rules: configurable name, severity and switch; the checks themselves live with the module
-- that knows the record (deadline rules in the engine, record rules in the module's source).
CREATE TABLE sv_rules (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  severity TEXT NOT NULL,        -- high | medium | low
  enabled INTEGER NOT NULL DEFAULT 1,
  description TEXT NOT NULL DEFAULT ''
);
INSERT INTO sv_rules (code, name, severity, description) VALUES
  ('DEADLINE_WARNING', '即将到期预警', 'low', '期限届满前 N 个工作日内仍未办结（默认 1 个工作日）'),
  ('TOTAL_OVERDUE', '办理总时限超期', 'high', '超过承诺办结期限仍未办结'),
  ('STEP_OVERDUE', '环节超期', 'medium', '某一办理环节超过环节时限，而总时限尚未超期'),
  ('ACCEPTANCE_OVERDUE', '受理期限已过', 'high', '收到申请后五个工作日内未作出受理决定（行政许可法第三十二条）'),
  ('DEADLINE_OVERDUE', '其他期限超期', 'medium', '补正、特别程序、投诉受理等期限已过'),
  ('NO_REASON', '不予受理或不予许可未说明理由', 'high', '行政许可法第三十二条、第三十八条'),
  ('STEP_SKIPPED', '审批决定跳过流程环节', 'high', '作出决定前未经事项流程规定的全部环节'),
  ('MULTI_CORRECTION', '多次要求补正', 'medium', '同一申请两次以上告知补正，违反一次性告知'),
  ('FEE_MISMATCH', '收费与目录不符', 'high', '核定或实收金额与事项目录公布的收费标准不一致'),
  ('STEPS_MISSING', '办结时流程记录不全', 'medium', '办件已办结，但受理、环节办理或决定记录缺失');

-- One alert per violation: the unique key makes a repeated tick, or two nodes ticking at
-- once, insert nothing the second time.
CREATE TABLE sv_alerts (
  id {{ID}},
  rule_code TEXT NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  deadline_id BIGINT NOT NULL DEFAULT 0,
  severity TEXT NOT NULL,
  colour TEXT NOT NULL,          -- yellow (warning) | red (violation)
  unit_id BIGINT NOT NULL,
  unit_name TEXT NOT NULL DEFAULT '',
  person_id BIGINT NOT NULL DEFAULT 0,
  person_name TEXT NOT NULL DEFAULT '',
  topic_code TEXT NOT NULL DEFAULT '',
  topic_name TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL,
  due_on TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'open',  -- open | noticed | answered | closed
  card TEXT NOT NULL DEFAULT '',       -- '' | yellow | red
  created_on TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  closed_at BIGINT NOT NULL DEFAULT 0,
  closed_by TEXT NOT NULL DEFAULT '',
  conclusion TEXT NOT NULL DEFAULT '',
  UNIQUE (rule_code, source, subject, dedupe_key)
);
CREATE INDEX sv_alerts_state ON sv_alerts(state, colour, unit_id);
CREATE INDEX sv_alerts_subject ON sv_alerts(source, subject);
CREATE INDEX sv_alerts_created ON sv_alerts(created_on);

-- 督办单: a yellow card sent to the department with a required completion date; a red card
-- with a rectification recommendation when that date passes unanswered.
CREATE TABLE sv_notices (
  id {{ID}},
  notice_no TEXT NOT NULL UNIQUE,
  alert_id BIGINT NOT NULL REFERENCES sv_alerts(id),
  unit_id BIGINT NOT NULL,
  unit_name TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL,
  required_by TEXT NOT NULL,     -- YYYY-MM-DD
  card TEXT NOT NULL DEFAULT 'yellow',
  state TEXT NOT NULL DEFAULT 'issued',  -- issued | answered | closed
  issued_by TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  answer TEXT NOT NULL DEFAULT '',
  answered_by TEXT NOT NULL DEFAULT '',
  answered_at BIGINT NOT NULL DEFAULT 0,
  recommendation TEXT NOT NULL DEFAULT '',
  red_at BIGINT NOT NULL DEFAULT 0,
  UNIQUE (alert_id)
);
CREATE INDEX sv_notices_due ON sv_notices(state, required_by);
CREATE INDEX sv_notices_unit ON sv_notices(unit_id, state);

-- Everything that happened to an alert, for the case's timeline and the alert page.
CREATE TABLE sv_events (
  id {{ID}},
  alert_id BIGINT NOT NULL REFERENCES sv_alerts(id),
  source TEXT NOT NULL,
  subject TEXT NOT NULL,
  ts BIGINT NOT NULL,
  action TEXT NOT NULL,          -- alert | reminder | notice | answer | red_card | close | auto_close
  actor TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sv_events_subject ON sv_events(source, subject, ts);
CREATE INDEX sv_events_alert ON sv_events(alert_id);

-- Internal messages (站内消息) to a person or, when no one holds the task, to a unit.
CREATE TABLE messages (
  id {{ID}},
  recipient_id BIGINT NOT NULL DEFAULT 0,
  unit_id BIGINT NOT NULL DEFAULT 0,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  link TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  read_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX messages_recipient ON messages(recipient_id, read_at);
CREATE INDEX messages_unit ON messages(unit_id, read_at);

-- The default SMS gateway writes here; an operator's gateway sends and marks rows sent.
CREATE TABLE sms_outbox (
  id {{ID}},
  mobile TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  sent_at BIGINT NOT NULL DEFAULT 0
);

-- One scheduler at a time across nodes: whoever holds an unexpired lease ticks.
CREATE TABLE sv_lease (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL DEFAULT '',
  expires_at BIGINT NOT NULL DEFAULT 0,
  ticks BIGINT NOT NULL DEFAULT 0
);
INSERT INTO sv_lease (name) VALUES ('monitor');

-- How far each record-rule source has read its module's events.
CREATE TABLE sv_watermarks (
  source TEXT PRIMARY KEY,
  position BIGINT NOT NULL DEFAULT 0
);
