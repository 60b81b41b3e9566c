-- Small files (generated documents, small scans) are kept in their `files` row as base64 text
-- (ADR 0009): written in the caller's transaction instead of as one new file with two fsyncs.
-- NULL: the file is on disk under <data>/files/ (larger files, and every file stored before).
ALTER TABLE files ADD COLUMN content TEXT;
