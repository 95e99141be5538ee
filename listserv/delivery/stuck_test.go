package delivery

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"praxis/listserv/store"
)

// stuckOnce is the queue's store whose first claim and first commit of
// outcomes never answer (their connection was lost without a word):
// they return only when their context ends.
type stuckOnce struct {
	Store
	claimed, recorded atomic.Bool
}

func (s *stuckOnce) ClaimDeliveries(ctx context.Context, node string, lease time.Duration, after int64, limit int) ([]*store.Delivery, error) {
	if !s.claimed.Swap(true) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Store.ClaimDeliveries(ctx, node, lease, after, limit)
}

func (s *stuckOnce) RecordOutcomes(ctx context.Context, outs []store.Outcome) error {
	if !s.recorded.Swap(true) {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.Store.RecordOutcomes(ctx, outs)
}

// TestStuckStoreCallsCutOff: a claim and a commit that never answer are
// cut off after StoreTimeout and tried again, so the queue goes on: every
// member gets the post once and every outcome is committed.
func TestStuckStoreCallsCutOff(t *testing.T) {
	var members []string
	for i := range 20 {
		members = append(members, fmt.Sprintf("m%02d@d%d.test", i, i%2))
	}
	f := setupWith(t, members, Config{Concurrency: 2, StoreTimeout: 100 * time.Millisecond}, func(q *Queue) {
		st := &stuckOnce{Store: q.store}
		q.store, q.record = st, st.RecordOutcomes
	})
	f.post(t, "stuck")
	eventually(t, "every copy committed as sent", func() bool {
		for _, m := range members {
			if state, _, _ := deliveryRow(t, f.st, m); state != "done" {
				return false
			}
		}
		return true
	})
	for _, m := range members {
		if n := f.mx.count(m); n != 1 {
			t.Errorf("%s got %d copies, want 1", m, n)
		}
	}
}

// awayOnce is the queue's store that is away (PostgreSQL restarting) the
// first time a post is read to make its copies.
type awayOnce struct {
	Store
	away atomic.Bool
}

func (s *awayOnce) Message(ctx context.Context, id int64) (*store.Message, error) {
	if !s.away.Swap(true) {
		return nil, fmt.Errorf("store: message #%d: %w", id, &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"})
	}
	return s.Store.Message(ctx, id)
}

// TestStoreAwayWhileMakingCopies: copies that could not be made because
// the store was away are sent at the next scan, not put off by the
// backoff meant for remote servers (a minute at first), and that try
// does not count as an attempt.
func TestStoreAwayWhileMakingCopies(t *testing.T) {
	members := []string{"a@d.test", "b@d.test", "c@d.test"}
	f := setupWith(t, members, Config{Concurrency: 2}, func(q *Queue) {
		q.store = &awayOnce{Store: q.store}
	})
	f.post(t, "away")
	eventually(t, "every copy sent", func() bool {
		for _, m := range members {
			if f.mx.count(m) != 1 {
				return false
			}
		}
		return true
	})
	eventually(t, "every copy committed as sent", func() bool {
		for _, m := range members {
			if state, _, _ := deliveryRow(t, f.st, m); state != "done" {
				return false
			}
		}
		return true
	})
	for _, m := range members {
		if _, attempts, _ := deliveryRow(t, f.st, m); attempts != 1 {
			t.Errorf("%s: %d attempts, want 1 (the try without the store does not count)", m, attempts)
		}
	}
}
