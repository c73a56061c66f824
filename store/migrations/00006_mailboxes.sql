-- Written once for both dialects: {{TIME}} is filled in by store/dialect.go.
-- +goose Up
-- The mailboxes the intake has met, and what was already in each when it first did (UIDs below
-- uid_next at uid_validity): the backlog guard holds the replies to that mail for staff.
CREATE TABLE mailboxes (
    name         TEXT PRIMARY KEY,
    uid_validity BIGINT NOT NULL,
    uid_next     BIGINT NOT NULL,
    first_met_at {{TIME}} NOT NULL
);
-- A mailbox read before this table existed was met then: none of its mail is a first meeting's.
INSERT INTO mailboxes (name, uid_validity, uid_next, first_met_at)
    SELECT mailbox, MAX(uid_validity), 0, MIN(received_at) FROM messages GROUP BY mailbox;

-- +goose Down
DROP TABLE mailboxes;
