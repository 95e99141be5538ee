package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"
)

// JobClaim names a once-only action of a scheduled job: the job, and the
// period or occasion it is for (a held post's id, a member's nth
// warning). However many nodes decide it, one claim is made.
type JobClaim struct {
	Job    string
	Period string
}

// JobRun is a scheduled job's latest pass on any node.
type JobRun struct {
	Job  string
	Node string // the node that ran it (Options.Node)
	At   time.Time
	Err  string // "" when the pass went well
}

// SpoolNoticeOnce is SpoolNotice under a claim: the claim, the requests,
// the notice and its deliveries commit together. It returns false, and
// stores nothing, when the claim was made already (by another node, or
// by this one before a crash that came after the commit); a failure or
// crash before the commit leaves the claim to be made again.
func (s *spoolTable) SpoolNoticeOnce(ctx context.Context, c JobClaim, m *Message, ds []*Delivery, requests ...*Pending) (bool, error) {
	return s.spoolNotice(ctx, &c, m, ds, requests)
}

// claimJob makes c in tx, saying whether this transaction made it. On
// PostgreSQL a second transaction inserting the same key waits for the
// first to end: it finds the claim if the first committed, and makes it
// if the first rolled back.
func claimJob(ctx context.Context, tx *txn, c JobClaim, node string, now int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO job_runs (job, period, node, ran_at) VALUES (?, ?, ?, ?) ON CONFLICT (job, period) DO NOTHING`,
		c.Job, c.Period, node, now)
	if err != nil {
		return false, fmt.Errorf("store: claim %s %s: %w", c.Job, c.Period, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim %s %s: %w", c.Job, c.Period, err)
	}
	return n == 1, nil
}

// JobClaimed tells whether c was made already (on any node): work that
// is costly to prepare looks before it prepares.
func (s *spoolTable) JobClaimed(ctx context.Context, c JobClaim) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_runs WHERE job = ? AND period = ?`, c.Job, c.Period).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: claimed %s %s: %w", c.Job, c.Period, err)
	}
	return n > 0, nil
}

// RecordJobRun notes that this process ran a pass of job, and how it
// ended, for `praxis status`.
func (s *spoolTable) RecordJobRun(ctx context.Context, job string, runErr error) error {
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO job_last_runs (job, node, ran_at, error) VALUES (?, ?, ?, ?)
		ON CONFLICT (job) DO UPDATE SET node = excluded.node, ran_at = excluded.ran_at, error = excluded.error`,
		job, s.node, s.unix(), msg); err != nil {
		return fmt.Errorf("store: record run of %s: %w", job, err)
	}
	return nil
}

// JobRuns returns each job's latest pass, by job name.
func (s *spoolTable) JobRuns(ctx context.Context) ([]JobRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT job, node, ran_at, error FROM job_last_runs ORDER BY job`)
	if err != nil {
		return nil, fmt.Errorf("store: job runs: %w", err)
	}
	defer rows.Close()
	var out []JobRun
	for rows.Next() {
		var r JobRun
		var at int64
		if err := rows.Scan(&r.Job, &r.Node, &at, &r.Err); err != nil {
			return nil, fmt.Errorf("store: job runs: %w", err)
		}
		r.At = time.Unix(at, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// DefaultNode names this process among the nodes sharing a database when
// it was given no name (Options.Node; imapin's lease holder).
func DefaultNode() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
}
