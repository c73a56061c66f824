-- Every message findable on the desk (issue 16): a full-text index of what staff search by (the
-- reference, sender, ODS code, subject, the names, addresses and mobiles of its requests and the
-- words of its text). The search index slot is the one dialect-specific table: FTS5 on SQLite, a
-- tsvector with a GIN index on PostgreSQL (store/dialect.go, store/search.go). Messages are
-- indexed after they are decided; search_indexed = 0 marks those still to index (or to index
-- again, after staff changed them).
-- +goose Up
ALTER TABLE messages ADD COLUMN search_indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_search_pending ON messages (id) WHERE search_indexed = 0;
{{SEARCH_INDEX}}

-- +goose Down
DROP TABLE message_search;
DROP INDEX messages_search_pending;
ALTER TABLE messages DROP COLUMN search_indexed;
