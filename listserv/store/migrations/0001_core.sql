-- 0001: lists, members, the spool of received mail, the delivery queue.
-- Written to port: a PostgreSQL dialect will need only BIGSERIAL for
-- "INTEGER PRIMARY KEY AUTOINCREMENT" and BYTEA for BLOB. AUTOINCREMENT
-- because an id must never be reused: a removed list's id given to a new
-- list would hand it the old list's mail. Times are Unix seconds.

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE lists (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    address          TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    subscribe_policy TEXT NOT NULL,
    post_policy      TEXT NOT NULL,
    archive_policy   TEXT NOT NULL,
    prefix           TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id      INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    address      TEXT NOT NULL,
    address_key  TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL,
    delivery     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'enabled',
    bounce_score REAL NOT NULL DEFAULT 0,
    expertise    TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    UNIQUE (list_id, address_key)
);

-- Every message Praxis answered with a 250, kept raw. The state column is the
-- post's journey; a restarted process resumes from it.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id     INTEGER,
    list_address TEXT NOT NULL,
    kind        TEXT NOT NULL,
    extra       TEXT NOT NULL DEFAULT '',
    mail_from   TEXT NOT NULL,
    rcpt        TEXT NOT NULL,
    remote      TEXT NOT NULL DEFAULT '',
    raw         BLOB NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL DEFAULT '',
    from_addr   TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    received_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX messages_state ON messages (state, id);
CREATE INDEX messages_list_state ON messages (list_id, state, id);

-- One row per (message, recipient): the durable outbound queue.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    list_id     INTEGER,
    rcpt        TEXT NOT NULL,
    mode        TEXT NOT NULL,
    env_from    TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    done_at     BIGINT,
    last_error  TEXT NOT NULL DEFAULT '',
    UNIQUE (message_id, rcpt)
);
CREATE INDEX deliveries_due ON deliveries (state, id);

-- Permanent failures (5xx) and give-ups, for the bounce processor.
CREATE TABLE delivery_failures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id    INTEGER,
    rcpt       TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    at         BIGINT NOT NULL,
    code       INTEGER NOT NULL,
    enhanced   TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL DEFAULT '',
    permanent  INTEGER NOT NULL
);
CREATE INDEX delivery_failures_rcpt ON delivery_failures (list_id, rcpt, at);
