-- 0005: web sign-in. A session is kept by the hash of its cookie, so a
-- copy of the database does not hand out sessions; a sign-in link works
-- once, which the used table remembers until the link would have expired.

CREATE TABLE web_sessions (
    id_hash  TEXT PRIMARY KEY,
    address  TEXT NOT NULL,
    created  BIGINT NOT NULL,
    expires  BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires);

CREATE TABLE web_signins_used (
    nonce    TEXT PRIMARY KEY,
    expires  BIGINT NOT NULL
);

CREATE INDEX members_address ON members (address_key);
