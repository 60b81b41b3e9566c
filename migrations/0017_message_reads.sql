-- Who has read which internal message (站内消息), per person. A message to a unit (recipient_id
-- = 0) is shared by everyone of the unit's department, so one read_at column on messages cannot
-- say who read it: each person's reading is a row here (messages.read_at was never written and
-- stays unused).
-- The primary key makes "mark read" idempotent (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE message_reads (
  message_id BIGINT NOT NULL REFERENCES messages(id),
  person_id BIGINT NOT NULL REFERENCES users(id),
  read_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, person_id)
);
-- The unread count on every page: the person's own messages and their department's, each read
-- from an index that holds the id (index-only on PostgreSQL), against the person's reads.
-- (messages_recipient and messages_unit end in read_at, which is always 0: with them the
-- planners chose recipient_id = 0 and read every unit's messages in the district.)
CREATE INDEX messages_to_person ON messages(recipient_id, id);
CREATE INDEX messages_to_unit ON messages(unit_id, recipient_id, id);
CREATE INDEX message_reads_person ON message_reads(person_id, message_id);
