-- Replies speak plain English (issue 19): the reason codes a reply answers leave its text and go
-- in an X-NAS-Reasons header for machines, so the outbox keeps them beside the text, space
-- separated. Rows from before this migration have none and are sent without the header.
-- +goose Up
ALTER TABLE outbox ADD COLUMN reasons TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN reasons;
