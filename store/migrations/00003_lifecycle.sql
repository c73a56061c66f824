-- The lifecycle jobs (lifecycle/) and the text-message queue's retries (sms/).
-- Written once for both dialects: {{ID}}, {{TIME}} and {{BLOB}} are filled in by store/dialect.go.
-- +goose Up

-- When the inactivity job marked the account inactive: a login after it resets the account.
-- Read only while status is 'inactive'; a stale value on an active account means nothing.
ALTER TABLE accounts ADD COLUMN inactive_since {{TIME}};

-- Lifecycle reports about a site's shared mailbox (mailbox_dormant, last_owner), so that a
-- report is made once, not again on the next run. One row per site and reason: the latest.
CREATE TABLE mailbox_reports (
    ods_code    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    exception   BIGINT REFERENCES exceptions (id),
    reported_at {{TIME}} NOT NULL,
    PRIMARY KEY (ods_code, reason)
);

-- Text messages are sent at least once: a sender claims a row for a while (next_attempt_at),
-- and a failed attempt waits until next_attempt_at. NULL means due now. The password is never
-- stored: it is made when the text is sent.
ALTER TABLE text_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE text_messages ADD COLUMN next_attempt_at {{TIME}};
ALTER TABLE text_messages ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX text_messages_due ON text_messages (state, next_attempt_at);

-- +goose Down
DROP INDEX text_messages_due;
ALTER TABLE text_messages DROP COLUMN last_error;
ALTER TABLE text_messages DROP COLUMN next_attempt_at;
ALTER TABLE text_messages DROP COLUMN attempts;
DROP TABLE mailbox_reports;
ALTER TABLE accounts DROP COLUMN inactive_since;
