-- +goose Up
-- The loop defence counts recent replies per address and in all, for every reply it writes.
CREATE INDEX outbox_to_created ON outbox (to_addr, created_at);
CREATE INDEX outbox_created ON outbox (created_at);

-- +goose Down
DROP INDEX outbox_created;
DROP INDEX outbox_to_created;
