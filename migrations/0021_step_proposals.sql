-- 拟办意见: whoever completes a handling step before the decision proposes one (拟准予 / 拟不予,
-- in the item kind's words), kept with the step's event so that the 审批人 sees every step's
-- proposal beside the decision form, and a decision against a proposal states its reasons.
-- '' for events before this column and for every other action.
ALTER TABLE case_events ADD COLUMN proposal TEXT NOT NULL DEFAULT '';
