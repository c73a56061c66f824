-- The staff desk: NAS staff accounts, their server-side sessions, and indexes for the case page.
-- Written once for both dialects: {{ID}}, {{TIME}} and {{BLOB}} are filled in by store/dialect.go.
-- Staff notes and actions go to the audit table (subject: the message's tag), so a case's history
-- is one list.
-- +goose Up
CREATE TABLE staff (
    email         TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,                  -- reviewer or admin
    password_hash TEXT NOT NULL DEFAULT '',       -- argon2id, PHC string; '' signs in by OpenID Connect only
    status        TEXT NOT NULL DEFAULT 'active', -- active or disabled
    created_at    {{TIME}} NOT NULL,
    last_login_at {{TIME}}
);

-- A session is known by the SHA-256 of its cookie value, so a copy of this table signs no one in.
CREATE TABLE staff_sessions (
    id_hash    TEXT PRIMARY KEY,
    staff      TEXT NOT NULL REFERENCES staff (email),
    created_at {{TIME}} NOT NULL,
    seen_at    {{TIME}} NOT NULL,
    expires_at {{TIME}} NOT NULL,
    flash      TEXT NOT NULL DEFAULT '', -- one message shown on the next page (after a redirect)
    flash_kind TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

CREATE INDEX exceptions_message ON exceptions (message);
CREATE INDEX requests_account ON requests (account);
CREATE INDEX outbox_message ON outbox (message);
CREATE INDEX audit_subject ON audit (subject, at);

-- +goose Down
DROP INDEX audit_subject;
DROP INDEX outbox_message;
DROP INDEX requests_account;
DROP INDEX exceptions_message;
DROP TABLE staff_sessions;
DROP TABLE staff;
