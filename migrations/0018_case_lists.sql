-- The staff's case list of a department in all states (办件受理 › 全部, and its search) without
-- reading the whole table: the department's cases by receipt, with the state, so that counting and
-- paging read the index alone. One entry per case, written when the case is received inside.
CREATE INDEX cases_dept_received ON cases(dept_unit_id, received_at, state);
