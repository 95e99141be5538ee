package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/store"
)

// A node registers, beats and stops; a restarted node (same name) is
// running again; a heartbeat for a row that is gone says so.
func nodesHeartbeat(t *testing.T, s store.Backend) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	if err := s.NodeHeartbeat(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("heartbeat before registering: %v, want ErrNotFound", err)
	}
	must(t, s.RegisterNode(ctx, &store.Node{Name: "a", Version: "v1", Listeners: "smtp=127.0.0.1:1"}))
	must(t, s.RegisterNode(ctx, &store.Node{Name: "b", Version: "v1"}))
	now = now.Add(30 * time.Second)
	must(t, s.NodeHeartbeat(ctx, "a"))
	must(t, s.StopNode(ctx, "b"))
	ns, err := s.Nodes(ctx)
	must(t, err)
	if len(ns) != 2 || ns[0].Name != "a" || ns[1].Name != "b" {
		t.Fatalf("nodes %+v", ns)
	}
	a, b := ns[0], ns[1]
	if !a.LastSeen.Equal(now) || !a.Started.Equal(now.Add(-30*time.Second)) || !a.Stopped.IsZero() || a.Version != "v1" || a.Listeners != "smtp=127.0.0.1:1" {
		t.Errorf("a = %+v", a)
	}
	if !b.Stopped.Equal(now) {
		t.Errorf("b stopped at %v, want %v", b.Stopped, now)
	}
	// b starts again: running, a new start, its new listeners.
	now = now.Add(time.Minute)
	must(t, s.RegisterNode(ctx, &store.Node{Name: "b", Version: "v2", Listeners: "http=127.0.0.1:2"}))
	ns, err = s.Nodes(ctx)
	must(t, err)
	if b := ns[1]; !b.Stopped.IsZero() || !b.Started.Equal(now) || b.Version != "v2" || b.Listeners != "http=127.0.0.1:2" {
		t.Errorf("b restarted = %+v", b)
	}
}

// A lease is one holder's at a time: of many takers at once one gets
// it; its holder renews it; another takes it only once it has run out or
// been released.
func leaseOneHolder(t *testing.T, s store.Backend) {
	ctx := context.Background()
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	var got atomic.Int32
	var winner atomic.Value
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := fmt.Sprintf("node-%d", i)
			ok, err := s.TakeLease(ctx, "imap-ingest x", node, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				got.Add(1)
				winner.Store(node)
			}
		}()
	}
	wg.Wait()
	if got.Load() != 1 {
		t.Fatalf("%d of 8 takers got the lease, want 1", got.Load())
	}
	holder := winner.Load().(string)
	take := func(node string) bool {
		t.Helper()
		ok, err := s.TakeLease(ctx, "imap-ingest x", node, time.Minute)
		must(t, err)
		return ok
	}
	other := "other"
	now = now.Add(50 * time.Second)
	if !take(holder) {
		t.Error("the holder could not renew")
	}
	now = now.Add(50 * time.Second)
	if take(other) {
		t.Error("another took a renewed lease before it ran out")
	}
	ls, err := s.Leases(ctx)
	must(t, err)
	if len(ls) != 1 || ls[0].Holder != holder || ls[0].Name != "imap-ingest x" {
		t.Errorf("leases %+v", ls)
	}
	// Run out: another takes it, and the old holder no longer renews it.
	now = now.Add(2 * time.Minute)
	if !take(other) {
		t.Fatal("a lease run out was not taken over")
	}
	if take(holder) {
		t.Error("the old holder took back a lease another holds")
	}
	// A release by one who does not hold it changes nothing; the
	// holder's frees it at once.
	must(t, s.ReleaseLease(ctx, "imap-ingest x", holder))
	if take(holder) {
		t.Error("released by a non-holder")
	}
	must(t, s.ReleaseLease(ctx, "imap-ingest x", other))
	if !take(holder) {
		t.Error("a released lease was not free")
	}
}

// The queue's status: copies waiting, the oldest, and who holds leases.
func queueStatusCounts(t *testing.T, s store.Backend) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	q, err := s.QueueStatus(ctx)
	must(t, err)
	if q.Depth != 0 || !q.Oldest.IsZero() || len(q.Leased) != 0 {
		t.Errorf("empty queue: %+v", q)
	}
	l := newList(t, s, "cop@example.org")
	queueCopies(t, s, l, 5)
	now = now.Add(time.Hour)
	queueCopies(t, s, l, 2) // another post, later
	a, err := s.ClaimDeliveries(ctx, "node-a", time.Minute, 0, 3)
	must(t, err)
	must(t, s.RecordOutcomes(ctx, []store.Outcome{{Delivery: a[0], Done: true}}))
	q, err = s.QueueStatus(ctx)
	must(t, err)
	if q.Depth != 6 || !q.Oldest.Equal(now.Add(-time.Hour)) || len(q.Leased) != 1 || q.Leased["node-a"] != 2 {
		t.Errorf("status %+v, want 6 waiting since %v, 2 leased by node-a", q, now.Add(-time.Hour))
	}
	// A lease run out is no one's.
	now = now.Add(2 * time.Minute)
	q, err = s.QueueStatus(ctx)
	must(t, err)
	if len(q.Leased) != 0 {
		t.Errorf("leases run out still counted: %+v", q.Leased)
	}
}

// A bucket shared by every taker: of many takes at once exactly burst
// get a token; tokens come back one per period; a returned token can be
// taken again; a bucket full again is pruned, and a pruned bucket is a
// full one.
func rateBucketsShared(t *testing.T, s store.Backend) {
	ctx := context.Background()
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	const burst = 5
	per := 30 * time.Second
	take := func(key string) bool {
		t.Helper()
		ok, err := s.TakeToken(ctx, key, burst, per)
		must(t, err)
		return ok
	}
	var took atomic.Int32
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.TakeToken(ctx, "web 198.51.100.1", burst, per)
			if err != nil {
				t.Error(err)
			}
			if ok {
				took.Add(1)
			}
		}()
	}
	wg.Wait()
	if took.Load() != burst {
		t.Fatalf("%d of 12 takes at once got a token, want %d", took.Load(), burst)
	}
	if !take("web 198.51.100.2") {
		t.Error("another key shares the first's bucket")
	}
	// Keys that PostgreSQL's text and index would not hold as they are.
	for _, key := range []string{"web\x00198.51.100.3\x00signin\x00a@example.net", "web " + strings.Repeat("x", 5000) + "@example.net"} {
		if !take(key) || !take(key) {
			t.Errorf("key %.40q: refused", key)
		}
	}
	now = now.Add(per + per/2) // one token back, and half of the next
	if !take("web 198.51.100.1") {
		t.Error("no token back after a period")
	}
	if take("web 198.51.100.1") {
		t.Error("more than one token back after one and a half periods")
	}
	must(t, s.ReturnToken(ctx, "web 198.51.100.1", burst, per))
	if !take("web 198.51.100.1") {
		t.Error("a returned token could not be taken")
	}
	// The other key's bucket is full again and goes; this one is not
	// and still counts.
	if n, err := s.PruneRateBuckets(ctx); err != nil || n != 1 {
		t.Errorf("pruned %d buckets (%v), want the other key's 1", n, err)
	}
	if take("web 198.51.100.1") {
		t.Error("pruning forgot a bucket that was not full")
	}
	now = now.Add(burst * per * 2)
	n, err := s.PruneRateBuckets(ctx)
	must(t, err)
	if n != 3 {
		t.Errorf("pruned %d buckets, want the 3 full again", n)
	}
	for i := range burst {
		if !take("web 198.51.100.1") {
			t.Fatalf("take %d of a pruned bucket refused", i)
		}
	}
}

// Nodes starting at once all get the one secret: none makes its own.
func secretMadeOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	const callers = 16
	got := make([][]byte, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			k, err := s.Secret(ctx, "web")
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		}()
	}
	close(start)
	wg.Wait()
	for i, k := range got {
		if len(k) < 16 || string(k) != string(got[0]) {
			t.Fatalf("caller %d got secret %x, caller 0 %x", i, k, got[0])
		}
	}
}
