package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// ClaimDeliveries takes up to limit due copies with ID > after, in ID
// order, for node until lease from now: copies no node holds, copies whose
// lease has run out (their node died or stalled), and node's own (from an
// earlier life of the same node, or already in its hands). The claim is one
// statement: on PostgreSQL its rows are locked with SKIP LOCKED, so nodes
// claiming at once take different copies without waiting for each other;
// on SQLite the single writer serialises claims.
func (s *queueTable) ClaimDeliveries(ctx context.Context, node string, lease time.Duration, after int64, limit int) ([]*Delivery, error) {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	defer release()
	now := s.unix()
	rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET lease_node = ?, lease_until = ?
		WHERE id IN (SELECT id FROM deliveries
			WHERE state = 'queued' AND id > ? AND next_at <= ? AND (lease_until < ? OR lease_node = ?)
			ORDER BY id LIMIT ?`+s.pick(``, ` FOR UPDATE SKIP LOCKED`)+`)
		RETURNING id, message_id, COALESCE(list_id, 0), COALESCE((SELECT address FROM lists WHERE lists.id = deliveries.list_id), ''),
			rcpt, mode, env_from, attempts, created_at`,
		node, now+leaseSeconds(lease), after, now, now, node, limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		d := Delivery{Lease: node}
		var created int64
		if err := rows.Scan(&d.ID, &d.MessageID, &d.ListID, &d.ListAddress, &d.Rcpt, &d.Mode, &d.EnvFrom, &d.Attempts, &created); err != nil {
			return nil, fmt.Errorf("store: claim deliveries: %w", err)
		}
		d.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	// RETURNING gives the rows in no promised order.
	slices.SortFunc(out, func(a, b *Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// leaseSeconds rounds a lease up to whole seconds, the columns' unit. A
// lease runs out once the clock's second is past lease_until (the claim's
// lease_until < now), so it lasts at least as long as asked, at most a
// second more.
func leaseSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

// RenewLeases extends node's leases on the given copies to lease from now,
// while it works through them. A copy taken over by another node meanwhile
// stays with that node.
func (s *queueTable) RenewLeases(ctx context.Context, node string, lease time.Duration, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.leaseUpdate(ctx, "renew leases", s.unix()+leaseSeconds(lease), node, ids)
}

// ReleaseLeases gives node's claims on the given copies back, so that any
// node may take them at once (a node stopping with copies it did not
// start).
func (s *queueTable) ReleaseLeases(ctx context.Context, node string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.leaseUpdate(ctx, "release leases", 0, node, ids)
}

func (s *queueTable) leaseUpdate(ctx context.Context, what string, until int64, node string, ids []int64) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer release()
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_until = ? WHERE state = 'queued' AND lease_node = ? AND id IN (`+s.jsonIDs()+`)`,
		until, node, idsJSON(ids)); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
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
	// Untried: the copy was not attempted (what it is made from could
	// not be read: the database was away). Nothing is written: the copy
	// stays queued, leased to its node, which claims it again at once,
	// and no attempt counts against it.
	Untried bool
}

// sqlDone marks copies done, while their lease is the node's, up to the
// list of ids it is completed with.
const sqlDone = `UPDATE deliveries SET state = 'done', done_at = ?, attempts = attempts + 1
			WHERE lease_node = ? AND id IN (`

// allDoneBy reports a batch of done and untried outcomes only, all under
// one lease.
func allDoneBy(outs []Outcome) bool {
	for _, o := range outs {
		if !o.Untried && (!o.Done || o.Delivery.Lease != outs[0].Delivery.Lease) {
			return false
		}
	}
	return true
}

// RecordOutcomes writes a batch of outcomes in one transaction: done rows,
// retries, and failures (recorded against the recipient for the bounce
// processor). An outcome is written only while its row is still leased to
// the node that claimed it (Delivery.Lease): a node whose lease ran out and
// was taken over learns nothing it could overwrite the new holder's
// outcome with, and its outcome is dropped.
func (s *queueTable) RecordOutcomes(ctx context.Context, outs []Outcome) error {
	// Untried outcomes write nothing: a batch of them alone needs no
	// database (which is likely away, since they are untried).
	if !slices.ContainsFunc(outs, func(o Outcome) bool { return !o.Untried }) {
		return nil
	}
	now := s.unix()
	if s.pg && len(outs) <= 500 && allDoneBy(outs) {
		// The common batch, copies taken by their servers, is one
		// statement: on PostgreSQL a transaction around it costs two
		// round trips more, and a fan-out's rate is the size of a batch
		// over the time its commit takes (see delivery.Config.MaxUnrecorded).
		ids := make([]int64, 0, len(outs))
		for _, o := range outs {
			if !o.Untried {
				ids = append(ids, o.Delivery.ID)
			}
		}
		if _, err := s.db.ExecContext(ctx, sqlDone+s.jsonIDs()+`)`, now, outs[0].Delivery.Lease, idsJSON(ids)); err != nil {
			return fmt.Errorf("store: record outcomes: %w", err)
		}
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: record outcomes: %w", err)
	}
	defer release()
	// Done rows go in batches, one per lease holder (a queue's outcomes
	// all have the same).
	done := map[string][]int64{}
	flushDone := func(lease string) error {
		ids := done[lease]
		if len(ids) == 0 {
			return nil
		}
		delete(done, lease)
		_, err := tx.ExecContext(ctx, sqlDone+s.jsonIDs()+`)`, now, lease, idsJSON(ids))
		return err
	}
	for _, o := range outs {
		d := o.Delivery
		switch {
		case o.Untried:
		case o.Done:
			done[d.Lease] = append(done[d.Lease], d.ID)
			if len(done[d.Lease]) == 500 {
				if err := flushDone(d.Lease); err != nil {
					return fmt.Errorf("store: record outcomes: %w", err)
				}
			}
		case !o.RetryAt.IsZero():
			// The retry gives the lease back: any node may take the copy
			// when it is due.
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_error = ?, lease_until = 0 WHERE id = ? AND lease_node = ?`,
				o.RetryAt.Unix(), o.Text, d.ID, d.Lease); err != nil {
				return fmt.Errorf("store: requeue delivery #%d: %w", d.ID, err)
			}
		default:
			res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, done_at = ?, last_error = ? WHERE id = ? AND lease_node = ?`, now, o.Text, d.ID, d.Lease)
			if err != nil {
				return fmt.Errorf("store: fail delivery #%d: %w", d.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("store: fail delivery #%d: %w", d.ID, err)
			} else if n == 0 {
				continue // another node holds it now: its outcome counts
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
	for lease := range done {
		if err := flushDone(lease); err != nil {
			return fmt.Errorf("store: record outcomes: %w", err)
		}
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
