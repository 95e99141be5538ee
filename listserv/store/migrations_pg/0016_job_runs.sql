-- 0016 for PostgreSQL: the schema of migrations/0016_job_runs.sql, which
-- says what it is for.

CREATE TABLE job_runs (
    job    TEXT COLLATE "C" NOT NULL,
    period TEXT COLLATE "C" NOT NULL,
    node   TEXT COLLATE "C" NOT NULL,
    ran_at BIGINT NOT NULL,
    PRIMARY KEY (job, period)
);

CREATE TABLE job_last_runs (
    job    TEXT COLLATE "C" PRIMARY KEY,
    node   TEXT COLLATE "C" NOT NULL,
    ran_at BIGINT NOT NULL,
    error  TEXT COLLATE "C" NOT NULL DEFAULT ''
);
