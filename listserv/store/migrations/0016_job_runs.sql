-- 0016: scheduled work across several nodes. A once-only action of a
-- scheduled job (a held post's expiry notice, a bounce warning) claims
-- its job and period here in the transaction that queues its mail: two
-- nodes deciding it at once make one claim, and a crash before the
-- commit leaves it to be claimed again by the next pass. job_last_runs
-- keeps each job's latest pass, for `praxis status`.

CREATE TABLE job_runs (
    job    TEXT NOT NULL,
    period TEXT NOT NULL,
    node   TEXT NOT NULL,  -- who ran it: host:pid
    ran_at BIGINT NOT NULL,
    PRIMARY KEY (job, period)
);

CREATE TABLE job_last_runs (
    job    TEXT PRIMARY KEY,
    node   TEXT NOT NULL,
    ran_at BIGINT NOT NULL,
    error  TEXT NOT NULL DEFAULT ''  -- the pass's error, '' when it went well
);
