-- Written once for both dialects: {{ID}}, {{TIME}} and {{BLOB}} are filled in by store/dialect.go.
-- +goose Up
CREATE TABLE organisations (
    ods_code       TEXT PRIMARY KEY,
    sector         TEXT NOT NULL,
    name           TEXT NOT NULL,
    town           TEXT NOT NULL,
    shared_mailbox TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active',
    last_sent_at   {{TIME}},
    created_at     {{TIME}} NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX organisations_mailbox ON organisations (shared_mailbox) WHERE shared_mailbox <> '';

CREATE TABLE accounts (
    email        TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    mobile       TEXT NOT NULL UNIQUE,
    ods_code     TEXT NOT NULL,
    status       TEXT NOT NULL,
    role         TEXT NOT NULL,
    last_login   {{TIME}},
    delete_after {{TIME}},
    created_at   {{TIME}} NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX accounts_site ON accounts (ods_code);

-- Aliases are old addresses (name changes) and legacy mailbox names; never reused.
CREATE TABLE aliases (
    alias      TEXT PRIMARY KEY,
    target     TEXT NOT NULL,
    created_at {{TIME}} NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The ledger: every message fetched is stored here before anything acts on it.
CREATE TABLE messages (
    id           {{ID}},
    mailbox      TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    uid          BIGINT NOT NULL,
    message_id   TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL,
    raw          {{BLOB}} NOT NULL,
    received_at  {{TIME}} NOT NULL,
    state        TEXT NOT NULL DEFAULT 'new',
    verdict      TEXT NOT NULL DEFAULT '',
    reasons      TEXT NOT NULL DEFAULT '',
    sender       TEXT NOT NULL DEFAULT '',
    sender_kind  TEXT NOT NULL DEFAULT '',
    ods_code     TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    verification TEXT NOT NULL DEFAULT '',
    processed_at {{TIME}},
    UNIQUE (mailbox, uid_validity, uid)
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_sha256 ON messages (sha256);
CREATE INDEX messages_state ON messages (state);

CREATE TABLE requests (
    id         {{ID}},
    message    BIGINT NOT NULL REFERENCES messages (id),
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    line       INTEGER NOT NULL,
    csv_row    INTEGER NOT NULL,
    outcome    TEXT NOT NULL,
    reasons    TEXT NOT NULL,
    account    TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL DEFAULT '',
    fields     TEXT NOT NULL DEFAULT '{}',
    UNIQUE (message, seq)
);

CREATE TABLE outbox (
    id              {{ID}},
    message         BIGINT REFERENCES messages (id),
    message_id      TEXT NOT NULL UNIQUE,
    from_addr       TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    in_reply_to     TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '',
    tag             TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{TIME}} NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    server_answer   TEXT NOT NULL DEFAULT '',
    created_at      {{TIME}} NOT NULL,
    sent_at         {{TIME}}
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE text_messages (
    id         {{ID}},
    account    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending',
    created_at {{TIME}} NOT NULL,
    sent_at    {{TIME}}
);

CREATE TABLE exceptions (
    id         {{ID}},
    message    BIGINT REFERENCES messages (id),
    request    BIGINT REFERENCES requests (id),
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'open',
    assignee   TEXT NOT NULL DEFAULT '',
    created_at {{TIME}} NOT NULL,
    closed_at  {{TIME}}
);
CREATE INDEX exceptions_open ON exceptions (state, created_at);

CREATE TABLE audit (
    id      {{ID}},
    at      {{TIME}} NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE audit;
DROP TABLE exceptions;
DROP TABLE text_messages;
DROP TABLE outbox;
DROP TABLE requests;
DROP TABLE messages;
DROP TABLE aliases;
DROP TABLE accounts;
DROP TABLE organisations;
