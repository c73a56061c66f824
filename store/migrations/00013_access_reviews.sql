-- Access reviews: every time a site's shared mailbox was sent the list of its accounts, by the
-- quarterly job ('periodic') or because it asked ('requested', a list_accounts request). The
-- job stays silent for a site reviewed recently, and the desk shows when each site last was.
-- +goose Up
CREATE TABLE access_reviews (
    id       {{ID}},
    ods_code TEXT NOT NULL,
    kind     TEXT NOT NULL,
    outbox   BIGINT REFERENCES outbox (id),
    sent_at  {{TIME}} NOT NULL
);
CREATE INDEX access_reviews_site ON access_reviews (ods_code, sent_at);

-- +goose Down
DROP TABLE access_reviews;
