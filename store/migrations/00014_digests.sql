-- The daily digest to NAS staff: one row a day sent, so that replicas and a second run send it
-- once.
-- +goose Up
CREATE TABLE digests (
    day     TEXT PRIMARY KEY,
    outbox  BIGINT REFERENCES outbox (id),
    sent_at {{TIME}} NOT NULL
);

-- +goose Down
DROP TABLE digests;
