package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DigestRun is one digest or learning summary of a list for one period.
type DigestRun struct {
	ID          int64
	ListID      int64
	Kind        string // "digest" or "summary"
	PeriodStart time.Time
	PeriodEnd   time.Time
	Volume      int
	Issue       int
	State       string // "sending" or "done"
}

// Digest run states.
const (
	RunSending = "sending"
	RunDone    = "done"
)

const runCols = `id, list_id, kind, period_start, period_end, volume, issue, state`

func scanRun(row interface{ Scan(...any) error }) (*DigestRun, error) {
	var r DigestRun
	var start, end int64
	if err := row.Scan(&r.ID, &r.ListID, &r.Kind, &start, &end, &r.Volume, &r.Issue, &r.State); err != nil {
		return nil, err
	}
	r.PeriodStart, r.PeriodEnd = time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC()
	return &r, nil
}

// LastDigestRun returns the latest run of a kind on a list, or
// ErrNotFound.
func (s *digestTable) LastDigestRun(ctx context.Context, listID int64, kind string) (*DigestRun, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM digest_runs WHERE list_id = ? AND kind = ? ORDER BY period_end DESC LIMIT 1`, listID, kind))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no %s run: %w", kind, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: digest run: %w", err)
	}
	return r, nil
}

// StartDigestRun records a run for a period, numbering it: the volume is
// given (a year of the list's life), the issue counts on within it. A run
// for the same or an overlapping period that exists already is returned
// as it is (r.State tells whether it is done), so a restart resumes it and
// two processes deciding at once make one run.
func (s *digestTable) StartDigestRun(ctx context.Context, r *DigestRun) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: digest run: %w", err)
	}
	defer release()
	// Nodes deciding the list's run at once take turns (PostgreSQL; on
	// SQLite the transaction holds the write lock already): the second
	// then finds the first's run below instead of failing on its unique
	// period.
	if err := s.lockKey(ctx, tx, "digest_runs", r.ListID); err != nil {
		return fmt.Errorf("store: digest run: %w", err)
	}
	// The same period, or (two processes deciding at once) one that
	// overlaps it: that run is the one, and this is not started.
	old, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runCols+` FROM digest_runs WHERE list_id = ? AND kind = ? AND period_end > ? ORDER BY period_end DESC LIMIT 1`,
		r.ListID, r.Kind, r.PeriodStart.Unix()))
	if err == nil {
		*r = *old
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: digest run: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(issue), 0) + 1 FROM digest_runs WHERE list_id = ? AND kind = ? AND volume = ?`, r.ListID, r.Kind, r.Volume).Scan(&r.Issue); err != nil {
		return fmt.Errorf("store: digest run: %w", err)
	}
	r.State = RunSending
	if err := tx.QueryRowContext(ctx, `INSERT INTO digest_runs (list_id, kind, period_start, period_end, volume, issue, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.ListID, r.Kind, r.PeriodStart.Unix(), r.PeriodEnd.Unix(), r.Volume, r.Issue, r.State, s.unix()).Scan(&r.ID); err != nil {
		return fmt.Errorf("store: digest run: %w", err)
	}
	return tx.Commit()
}

// UnfinishedDigestRuns returns the runs a crash or stop left sending.
func (s *digestTable) UnfinishedDigestRuns(ctx context.Context) ([]*DigestRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runCols+` FROM digest_runs WHERE state = ? ORDER BY id`, RunSending)
	if err != nil {
		return nil, fmt.Errorf("store: digest runs: %w", err)
	}
	defer rows.Close()
	var out []*DigestRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FinishDigestRun marks a run done.
func (s *digestTable) FinishDigestRun(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE digest_runs SET state = ? WHERE id = ?`, RunDone, id); err != nil {
		return fmt.Errorf("store: digest run: %w", err)
	}
	return nil
}

// DigestSent returns the address keys a run was queued for already.
func (s *digestTable) DigestSent(ctx context.Context, runID int64) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT address_key FROM digest_sends WHERE run_id = ?`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: digest sends: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

// SpoolDigestRun stores one composed message of a run and queues it for
// rcpts (mode ModeDigest or ModeRaw), recording each as sent in the same
// transaction: after a crash, the run resumes with exactly the members
// this did not reach. Recipients the run reached already are skipped.
func (s *digestTable) SpoolDigestRun(ctx context.Context, runID int64, m *Message, rcpts []string, mode string) (queued int, err error) {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store: digest: %w", err)
	}
	defer release()
	now := s.unix()
	if err := insertNotice(ctx, tx, m, now); err != nil {
		return 0, err
	}
	sent, err := tx.PrepareContext(ctx, `INSERT INTO digest_sends (run_id, address_key, message_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("store: digest: %w", err)
	}
	defer sent.Close()
	var ds []*Delivery
	for _, rcpt := range rcpts {
		res, err := sent.ExecContext(ctx, runID, AddressKey(rcpt), m.ID)
		if err != nil {
			return 0, fmt.Errorf("store: digest: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			ds = append(ds, &Delivery{ListID: m.ListID, Rcpt: rcpt, Mode: mode, EnvFrom: m.MailFrom})
		}
	}
	if len(ds) == 0 {
		return 0, nil // everyone had it: keep nothing
	}
	if err := insertDeliveries(ctx, tx, m.ID, ds, now); err != nil {
		return 0, err
	}
	return len(ds), tx.Commit()
}
