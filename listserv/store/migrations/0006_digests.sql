-- 0006: digests and learning summaries. Each list says when they go (in
-- its time zone); each run of one is remembered with the members it was
-- queued for, in the transaction that queued it, so a crash or restart
-- mid-run neither repeats nor skips anyone.

ALTER TABLE lists ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE lists ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 6;
ALTER TABLE lists ADD COLUMN summary_weekday INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN digest_size_kb INTEGER NOT NULL DEFAULT 0;

CREATE TABLE digest_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id      INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,            -- digest or summary
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    volume       INTEGER NOT NULL,
    issue        INTEGER NOT NULL,
    state        TEXT NOT NULL,            -- sending, done
    created      BIGINT NOT NULL,
    UNIQUE (list_id, kind, period_end)
);

CREATE TABLE digest_sends (
    run_id      INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
    address_key TEXT NOT NULL,
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (run_id, address_key)
);
