-- 0018: what several serve nodes on one database share besides the queue.
--
-- nodes: each serve registers itself by name (host and data dir, as the
-- delivery queue names it) and renews last_seen every heartbeat; one that
-- stops cleanly sets stopped_at. `praxis status` tells the living from the
-- gone by last_seen. Times are unix seconds.
CREATE TABLE nodes (
    name       TEXT PRIMARY KEY,
    version    TEXT NOT NULL DEFAULT '',
    listeners  TEXT NOT NULL DEFAULT '',  -- "smtp=127.0.0.1:2525 http=…"
    started_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    stopped_at BIGINT NOT NULL DEFAULT 0  -- 0: running, or died
);

-- leases: work that one node at a time may do (an --imap-ingest mailbox):
-- holder has it until until_ms (unix milliseconds), renewing it while it
-- works; once that has passed, any node may take it.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);

-- rate_buckets: token buckets that every node counts a client against
-- (web forms that send mail, IMAP login failures), so that N nodes do not
-- give a client N times its quota. A bucket holds tokens as of seen_ms;
-- full_ms is when it is full again, after which the row means nothing
-- and is pruned. took says whether the last take got a token.
CREATE TABLE rate_buckets (
    key     TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    seen_ms BIGINT NOT NULL,
    full_ms BIGINT NOT NULL,
    took    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rate_buckets_full ON rate_buckets (full_ms);
