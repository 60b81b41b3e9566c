-- Why a clock closed without its work being done: '' when the work was done (on time or late);
-- otherwise the reason the record ended, e.g. '申请人撤回申请' (撤回申请). The workbench shows such
-- a clock as ended, not as completed.
ALTER TABLE sv_deadlines ADD COLUMN ended TEXT NOT NULL DEFAULT '';
