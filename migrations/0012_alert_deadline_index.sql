-- Closing a clock closes its open warning: Deadlines::Sync looks the warning up by the clock.
-- Without this index that lookup read every open alert (sv_alerts_state), so each step of a
-- case cost more as the district's open alerts grew (found by the approval benchmark with
-- 1,000,000 cases loaded: ~7,800 open alerts, +20 % CPU per case).
CREATE INDEX sv_alerts_deadline ON sv_alerts(deadline_id, rule_code, state);
