-- 0018 for PostgreSQL: the schema of migrations/0018_nodes_leases_rates.sql,
-- which says what it is for.

CREATE TABLE nodes (
    name       TEXT COLLATE "C" PRIMARY KEY,
    version    TEXT COLLATE "C" NOT NULL DEFAULT '',
    listeners  TEXT COLLATE "C" NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    stopped_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE leases (
    name     TEXT COLLATE "C" PRIMARY KEY,
    holder   TEXT COLLATE "C" NOT NULL,
    until_ms BIGINT NOT NULL
);

CREATE TABLE rate_buckets (
    key     TEXT COLLATE "C" PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    seen_ms BIGINT NOT NULL,
    full_ms BIGINT NOT NULL,
    took    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rate_buckets_full ON rate_buckets (full_ms);
