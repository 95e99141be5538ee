package delivery

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
)

// claimCounter is the queue's store, counting what each claim asks for
// and returns, and what the queue holds once a claim is in its hands.
type claimCounter struct {
	Store
	q *Queue

	mu                       sync.Mutex
	claims, maxAsked, maxGot int
	maxHeld                  int
}

func (c *claimCounter) ClaimDeliveries(ctx context.Context, node string, lease time.Duration, after int64, limit int) ([]*store.Delivery, error) {
	ds, err := c.Store.ClaimDeliveries(ctx, node, lease, after, limit)
	c.q.mu.Lock()
	held := len(c.q.inflight) + len(ds)
	c.q.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ds) > 0 {
		c.claims++
	}
	c.maxAsked, c.maxGot, c.maxHeld = max(c.maxAsked, limit), max(c.maxGot, len(ds)), max(c.maxHeld, held)
	return ds, err
}

// TestFanoutStreamedInBatches: a post to a list far bigger than a claim
// batch is read from the store a batch at a time, and what the queue
// holds at once (claimed, waiting for a worker, being sent, its outcome
// not yet committed) is bounded by the batch and the workers, not by the
// list's size: a node's memory does not grow with its lists.
func TestFanoutStreamedInBatches(t *testing.T) {
	const members, batch, concurrency = 600, 50, 4
	var addrs []string
	for i := range members {
		addrs = append(addrs, fmt.Sprintf("m%03d@d%d.test", i, i%5))
	}
	counter := &claimCounter{}
	f := setupWith(t, addrs, Config{Concurrency: concurrency, ClaimBatch: batch}, func(q *Queue) {
		counter.Store, counter.q = q.store, q
		q.store = counter
	})
	f.post(t, "streamed")
	eventually(t, "every copy", func() bool {
		f.mx.mu.Lock()
		defer f.mx.mu.Unlock()
		return len(f.mx.got) == members
	})
	f.stop()
	counter.mu.Lock()
	defer counter.mu.Unlock()
	if counter.maxAsked > batch || counter.maxGot > batch {
		t.Errorf("a claim asked for %d copies and got %d, want at most %d", counter.maxAsked, counter.maxGot, batch)
	}
	if counter.claims < members/batch {
		t.Errorf("%d claims returned copies, want at least %d for %d members in batches of %d", counter.claims, members/batch, members, batch)
	}
	// Two batches (one being handed out, the next claimed meanwhile), the
	// jobs' channel, a copy waiting in each worker's hands for a slot,
	// and the copies sent whose outcomes are not committed.
	bound := 2*batch + 4*concurrency + concurrency + UnrecordedBound(concurrency)
	if counter.maxHeld > bound {
		t.Errorf("the queue held %d copies at once, want at most %d (of %d members)", counter.maxHeld, bound, members)
	}
	t.Logf("%d claims, the queue held at most %d copies at once", counter.claims, counter.maxHeld)
}
