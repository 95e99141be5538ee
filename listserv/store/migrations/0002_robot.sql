-- 0002: running a list by email: confirmations, moderation settings, bans,
-- bounce scoring and rate limits.

-- List settings of the moderation rule chain and of DMARC handling.
ALTER TABLE lists ADD COLUMN nonmember_action TEXT NOT NULL DEFAULT 'hold';
ALTER TABLE lists ADD COLUMN max_message_kb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN max_recipients INTEGER NOT NULL DEFAULT 10;
ALTER TABLE lists ADD COLUMN emergency INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN require_explicit_destination INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN dmarc_action TEXT NOT NULL DEFAULT 'munge';
ALTER TABLE lists ADD COLUMN roster TEXT NOT NULL DEFAULT 'moderators';
ALTER TABLE lists ADD COLUMN hold_days INTEGER NOT NULL DEFAULT 14;

-- Per-member moderation flag and bounce bookkeeping (Mailman's BounceInfo).
ALTER TABLE members ADD COLUMN moderated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN bounce_last_day BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN disabled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN warnings_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN last_warning_at BIGINT NOT NULL DEFAULT 0;

-- What a message became on the way out: "", "munge" or "wrap" (DMARC).
ALTER TABLE messages ADD COLUMN transform TEXT NOT NULL DEFAULT '';

-- Delivery failures are scored by the bounce processor once.
ALTER TABLE delivery_failures ADD COLUMN scored INTEGER NOT NULL DEFAULT 0;

-- Requests that wait for someone's reply: a subscription to confirm, an
-- unsubscription to confirm, an invitation, a subscription a moderator must
-- approve, a held post's decision. The token is the secret in the
-- LIST-confirm+TOKEN address and the web link.
CREATE TABLE pending (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token       TEXT NOT NULL UNIQUE,
    list_id     INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    address     TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX pending_list_kind ON pending (list_id, kind, address);

-- Addresses that may not post or subscribe: an exact address or a ^regex.
CREATE TABLE bans (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id    INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    pattern    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (list_id, pattern)
);

-- Counters per key and day: confirmations and automatic replies sent to an
-- address, so Praxis cannot be used to mail-bomb anyone.
CREATE TABLE rate_counters (
    key   TEXT NOT NULL,
    day   BIGINT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (key, day)
);

-- DKIM keys of the domains Praxis signs for.
CREATE TABLE dkim_keys (
    domain     TEXT PRIMARY KEY,
    selector   TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
