-- A revision number on each case, raised by every change made inside. The feedback packets
-- carry it, so that the portal's copy only ever moves forward: with both zones in one
-- database the copy is the working row itself, and an older packet applied late must not
-- undo a newer step.
ALTER TABLE cases ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
