package imapin

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// hangingLeases is a store whose first TakeLease never returns until its
// context ends, as on a connection the network lost without a word; the
// takes after it get the lease.
type hangingLeases struct {
	Store
	calls atomic.Int32
}

func (h *hangingLeases) TakeLease(ctx context.Context, name, holder string, d time.Duration) (bool, error) {
	if h.calls.Add(1) == 1 {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return true, nil
}

// TestAwaitLeaseAfterHang: a take of the lease stuck on a dead connection
// is given up after two thirds of the lease, and the next one takes it;
// unbounded, the node stood by until TCP gave up.
func TestAwaitLeaseAfterHang(t *testing.T) {
	st := &hangingLeases{}
	in := &Ingester{cfg: Config{Node: "n1", Lease: 90 * time.Millisecond}, source: "imap://u@h/INBOX", st: st, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// The test's own bound, only for the old code's sake: with it, the
	// take is tried twice in a fraction of it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, ok := in.awaitLease(ctx); !ok {
		t.Fatalf("no lease after %d takes: the one that hung held the wait", st.calls.Load())
	}
	if n := st.calls.Load(); n != 2 {
		t.Errorf("%d takes, want 2 (the one that hung, the one that got it)", n)
	}
}
