package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Probes: read-only questions about what the store holds that the
// service itself never needs to ask, but that tests and diagnostics in
// other packages do. They live here so that those callers ask the store
// and never read its tables: the schema stays this package's business,
// and a second backend answers the same questions.

// CountMessages counts the spooled and composed messages of a kind (one
// of the Kind constants, "" for any) to rcpt ("" for any recipient).
func (s *probeTable) CountMessages(ctx context.Context, kind, rcpt string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE (? = '' OR kind = ?) AND (? = '' OR rcpt = ?)`,
		kind, kind, rcpt, rcpt).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count messages: %w", err)
	}
	return n, nil
}

// LatestMessage returns the newest message (raw included) of a kind (""
// for any) to rcpt ("" for any recipient), or ErrNotFound.
func (s *probeTable) LatestMessage(ctx context.Context, kind, rcpt string) (*Message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages
		WHERE (? = '' OR kind = ?) AND (? = '' OR rcpt = ?) ORDER BY id DESC LIMIT 1`, kind, kind, rcpt, rcpt), true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("latest %q message to %q: %w", kind, rcpt, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: latest message: %w", err)
	}
	return m, nil
}

// DeliveryState is where one copy stands in the outbound queue.
type DeliveryState struct {
	ID        int64
	MessageID int64
	Rcpt      string
	State     string // "queued", "done" or "failed"
	Attempts  int
	NextAt    time.Time
	LastError string
	// Reason is the reason recorded on the message the copy is of.
	Reason string
}

// DeliveryStates returns every copy to rcpt ("" for all), oldest first.
func (s *probeTable) DeliveryStates(ctx context.Context, rcpt string) ([]DeliveryState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.message_id, d.rcpt, d.state, d.attempts, d.next_at, d.last_error, m.reason
		FROM deliveries d JOIN messages m ON m.id = d.message_id
		WHERE ? = '' OR d.rcpt = ? ORDER BY d.id`, rcpt, rcpt)
	if err != nil {
		return nil, fmt.Errorf("store: delivery states: %w", err)
	}
	defer rows.Close()
	var out []DeliveryState
	for rows.Next() {
		var d DeliveryState
		var next int64
		if err := rows.Scan(&d.ID, &d.MessageID, &d.Rcpt, &d.State, &d.Attempts, &next, &d.LastError, &d.Reason); err != nil {
			return nil, fmt.Errorf("store: delivery states: %w", err)
		}
		d.NextAt = time.Unix(next, 0)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: delivery states: %w", err)
	}
	return out, nil
}

// CountDigestSends counts the digest and summary copies recorded as
// spooled, over every run of every list.
func (s *probeTable) CountDigestSends(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM digest_sends`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count digest sends: %w", err)
	}
	return n, nil
}
