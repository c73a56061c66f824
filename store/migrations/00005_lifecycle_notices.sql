-- What the lifecycle jobs did to a site's accounts, kept until the site's shared mailbox is told
-- (lifecycle's notices job): each job records its changes in its own transaction, and the
-- notices job mails each site one list of what it has not been told yet.
-- Written once for both dialects: {{ID}}, {{TIME}} and {{BLOB}} are filled in by store/dialect.go.
-- +goose Up
CREATE TABLE lifecycle_notices (
    id           {{ID}},
    ods_code     TEXT NOT NULL,
    kind         TEXT NOT NULL,  -- delete_account or mark_inactive
    address      TEXT NOT NULL,
    status       TEXT NOT NULL,  -- the account's status when the job changed it
    delete_after {{TIME}},       -- mark_inactive: deleted then unless used
    done_at      {{TIME}} NOT NULL,
    told_at      {{TIME}},       -- NULL until a notice listed it, or the site had no mailbox to tell
    outbox       BIGINT REFERENCES outbox (id)
);
CREATE INDEX lifecycle_notices_untold ON lifecycle_notices (ods_code) WHERE told_at IS NULL;

-- +goose Down
DROP INDEX lifecycle_notices_untold;
DROP TABLE lifecycle_notices;
