package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DueDeliveries returns up to limit queued deliveries whose time has come,
// with ID > after, in ID order (the dispatcher pages through with after).
func (s *queueTable) DueDeliveries(ctx context.Context, after int64, limit int) ([]*Delivery, error) {
	rows, err := s.query(ctx, `SELECT d.id, d.message_id, COALESCE(d.list_id, 0), COALESCE(l.address, ''), d.rcpt, d.mode, d.env_from, d.attempts, d.created_at
		FROM deliveries d LEFT JOIN lists l ON l.id = d.list_id
		WHERE d.state = 'queued' AND d.id > ? AND d.next_at <= ? ORDER BY d.id LIMIT ?`, after, s.unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		var d Delivery
		var created int64
		if err := rows.Scan(&d.ID, &d.MessageID, &d.ListID, &d.ListAddress, &d.Rcpt, &d.Mode, &d.EnvFrom, &d.Attempts, &created); err != nil {
			return nil, fmt.Errorf("store: due deliveries: %w", err)
		}
		d.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &d)
	}
	return out, rows.Err()
}

// Outcome is what happened to one delivery attempt.
type Outcome struct {
	Delivery *Delivery
	// Done: the remote server said 250.
	Done bool
	// RetryAt, when not zero, requeues the delivery for then.
	RetryAt time.Time
	// Otherwise it failed for good: Code/Enhanced/Text say why.
	Code     int
	Enhanced string
	Text     string
	// Permanent: a 5xx (as opposed to giving up on 4xx after days).
	Permanent bool
}

// RecordOutcomes writes a batch of outcomes in one transaction: done rows,
// retries, and failures (recorded against the recipient for the bounce
// processor).
func (s *queueTable) RecordOutcomes(ctx context.Context, outs []Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: record outcomes: %w", err)
	}
	defer release()
	now := s.unix()
	var done []any
	flushDone := func() error {
		if len(done) == 0 {
			return nil
		}
		q := `UPDATE deliveries SET state = 'done', done_at = ?, attempts = attempts + 1 WHERE id IN (?` + strings.Repeat(`, ?`, len(done)-1) + `)`
		_, err := tx.ExecContext(ctx, q, append([]any{now}, done...)...)
		done = done[:0]
		return err
	}
	for _, o := range outs {
		d := o.Delivery
		switch {
		case o.Done:
			done = append(done, d.ID)
			if len(done) == 500 {
				if err := flushDone(); err != nil {
					return fmt.Errorf("store: record outcomes: %w", err)
				}
			}
		case !o.RetryAt.IsZero():
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`, o.RetryAt.Unix(), o.Text, d.ID); err != nil {
				return fmt.Errorf("store: requeue delivery #%d: %w", d.ID, err)
			}
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, done_at = ?, last_error = ? WHERE id = ?`, now, o.Text, d.ID); err != nil {
				return fmt.Errorf("store: fail delivery #%d: %w", d.ID, err)
			}
			perm := 0
			if o.Permanent {
				perm = 1
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_failures (list_id, rcpt, message_id, at, code, enhanced, text, permanent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				nullID(d.ListID), d.Rcpt, d.MessageID, now, o.Code, o.Enhanced, o.Text, perm); err != nil {
				return fmt.Errorf("store: record failure #%d: %w", d.ID, err)
			}
		}
	}
	if err := flushDone(); err != nil {
		return fmt.Errorf("store: record outcomes: %w", err)
	}
	return tx.Commit()
}

// DeliveryCounts returns how many deliveries of a message are in each state.
func (s *queueTable) DeliveryCounts(ctx context.Context, messageID int64) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM deliveries WHERE message_id = ? GROUP BY state`, messageID)
	if err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// Failure is a recorded delivery failure.
type Failure struct {
	ID        int64
	ListID    int64
	Rcpt      string
	MessageID int64
	At        time.Time
	Code      int
	Enhanced  string
	Text      string
	Permanent bool
}

// Failures returns the recorded failures of a recipient on a list, newest first.
func (s *queueTable) Failures(ctx context.Context, listID int64, rcpt string) ([]Failure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rcpt, message_id, at, code, enhanced, text, permanent FROM delivery_failures WHERE list_id = ? AND rcpt = ? ORDER BY at DESC, id DESC`, listID, rcpt)
	if err != nil {
		return nil, fmt.Errorf("store: failures: %w", err)
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		var at int64
		var perm int
		if err := rows.Scan(&f.Rcpt, &f.MessageID, &at, &f.Code, &f.Enhanced, &f.Text, &perm); err != nil {
			return nil, err
		}
		f.At, f.Permanent = time.Unix(at, 0).UTC(), perm == 1
		out = append(out, f)
	}
	return out, rows.Err()
}

// UnscoredFailures returns permanent delivery failures the bounce
// processor has not scored yet.
func (s *queueTable) UnscoredFailures(ctx context.Context, limit int) ([]Failure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(list_id, 0), rcpt, message_id, at, code, enhanced, text, permanent FROM delivery_failures WHERE scored = 0 AND permanent = 1 ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unscored failures: %w", err)
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		var at int64
		var perm int
		if err := rows.Scan(&f.ID, &f.ListID, &f.Rcpt, &f.MessageID, &at, &f.Code, &f.Enhanced, &f.Text, &perm); err != nil {
			return nil, err
		}
		f.At, f.Permanent = time.Unix(at, 0).UTC(), perm == 1
		out = append(out, f)
	}
	return out, rows.Err()
}

// MarkFailuresScored records that failures were scored.
func (s *queueTable) MarkFailuresScored(ctx context.Context, fs []Failure) error {
	for _, f := range fs {
		if _, err := s.db.ExecContext(ctx, `UPDATE delivery_failures SET scored = 1 WHERE id = ?`, f.ID); err != nil {
			return fmt.Errorf("store: mark failure scored: %w", err)
		}
	}
	return nil
}
