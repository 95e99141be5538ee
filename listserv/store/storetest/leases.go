package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
)

// queueCopies spools a post of l and queues n copies of it.
func queueCopies(t *testing.T, s store.Backend, l *store.List, n int) *store.Message {
	t.Helper()
	ctx := context.Background()
	m := post(l, "leased")
	must(t, s.Spool(ctx, m))
	ds := make([]*store.Delivery, n)
	for i := range ds {
		ds[i] = &store.Delivery{ListID: l.ID, Rcpt: fmt.Sprintf("m%d@x.org", i), Mode: store.ModeCopy}
	}
	must(t, s.Transition(ctx, m.ID, store.StateReceived, store.StateAccepted, "", "id@x", ds))
	return m
}

// Nodes claiming at once never get the same copy, and between them take
// every copy. Each node is a node id of its own on the store's pool of
// connections, which to the database is what several stores are.
func claimsNeverOverlap(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	const copies, nodes = 300, 4
	m := queueCopies(t, s, l, copies)
	var mu sync.Mutex
	claimed := map[int64]string{}
	var wg sync.WaitGroup
	for n := 0; n < nodes; n++ {
		node := fmt.Sprintf("node-%d", n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ds, err := s.ClaimDeliveries(ctx, node, time.Minute, 0, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				outs := make([]store.Outcome, len(ds))
				mu.Lock()
				for i, d := range ds {
					if other, ok := claimed[d.ID]; ok {
						t.Errorf("copy #%d claimed by %s and %s", d.ID, other, node)
					}
					if d.Lease != node || d.ListAddress != l.Address || d.Rcpt == "" {
						t.Errorf("claimed %+v", d)
					}
					claimed[d.ID] = node
					outs[i] = store.Outcome{Delivery: d, Done: true}
				}
				mu.Unlock()
				if err := s.RecordOutcomes(ctx, outs); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(claimed) != copies {
		t.Errorf("%d copies claimed, want %d", len(claimed), copies)
	}
	counts, err := s.DeliveryCounts(ctx, m.ID)
	must(t, err)
	if counts["done"] != copies {
		t.Errorf("counts = %v, want %d done", counts, copies)
	}
}

// A lease holds a copy for its node while it is renewed; once it has run
// out another node takes the copy over, and the first node's outcome no
// longer counts: neither a 250 nor a failure it reports overwrites what
// the new holder records. A released copy is free at once.
func leasesExpireAndStaleOutcomesAreRefused(t *testing.T, s store.Backend) {
	ctx := context.Background()
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	l := newList(t, s, "cop@example.org")
	m := queueCopies(t, s, l, 3)
	a, err := s.ClaimDeliveries(ctx, "a", time.Minute, 0, 2)
	must(t, err)
	if len(a) != 2 {
		t.Fatalf("a claimed %d copies, want 2", len(a))
	}
	// b gets only what a did not claim.
	b, err := s.ClaimDeliveries(ctx, "b", time.Minute, 0, 10)
	must(t, err)
	if len(b) != 1 || b[0].ID == a[0].ID || b[0].ID == a[1].ID {
		t.Fatalf("b claimed %d copies while a held two (%+v)", len(b), b)
	}
	must(t, s.ReleaseLeases(ctx, "b", []int64{b[0].ID}))

	// Renewed, a's leases outlast the first minute.
	now = now.Add(50 * time.Second)
	must(t, s.RenewLeases(ctx, "a", time.Minute, []int64{a[0].ID, a[1].ID}))
	now = now.Add(50 * time.Second)
	b, err = s.ClaimDeliveries(ctx, "b", time.Minute, 0, 10)
	must(t, err)
	if len(b) != 1 {
		t.Fatalf("b claimed %d copies after a renewed its two and b released its own, want 1", len(b))
	}
	must(t, s.RecordOutcomes(ctx, []store.Outcome{{Delivery: b[0], Done: true}}))

	// a stalls past its lease: b takes its copies over.
	now = now.Add(2 * time.Minute)
	b, err = s.ClaimDeliveries(ctx, "b", time.Minute, 0, 10)
	must(t, err)
	if len(b) != 2 || b[0].ID != a[0].ID || b[1].ID != a[1].ID {
		t.Fatalf("b took over %+v, want a's two copies", b)
	}
	// b's outcomes first, then a's late ones, which must not count.
	retry := now.Add(time.Hour)
	must(t, s.RecordOutcomes(ctx, []store.Outcome{{Delivery: b[0], RetryAt: retry, Code: 451, Text: "later"}, {Delivery: b[1], Done: true}}))
	must(t, s.RecordOutcomes(ctx, []store.Outcome{{Delivery: a[0], Done: true}, {Delivery: a[1], Code: 550, Text: "no such user", Permanent: true}}))
	counts, err := s.DeliveryCounts(ctx, m.ID)
	must(t, err)
	if counts["done"] != 2 || counts["queued"] != 1 || counts["failed"] != 0 {
		t.Errorf("counts = %v, want 2 done (b's) and 1 queued for b's retry", counts)
	}
	if fs, err := s.Failures(ctx, l.ID, a[1].Rcpt); err != nil || len(fs) != 0 {
		t.Errorf("a stale holder's failure was recorded: %+v (%v)", fs, err)
	}
	// The retry gave the lease back: when due, any node takes it.
	now = retry
	c, err := s.ClaimDeliveries(ctx, "c", time.Minute, 0, 10)
	must(t, err)
	if len(c) != 1 || c[0].ID != a[0].ID || c[0].Attempts != 1 {
		t.Errorf("after the retry c claimed %+v, want a's first copy with one attempt", c)
	}
}

// untriedWritesNothing: an untried outcome (the copy could not be made
// while the database was away) leaves its copy queued, with no attempt
// counted and its lease with its node, which claims it again at once
// while other nodes still may not.
func untriedWritesNothing(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	queueCopies(t, s, l, 2)
	ds, err := s.ClaimDeliveries(ctx, "node-a", time.Minute, 0, 10)
	must(t, err)
	if len(ds) != 2 {
		t.Fatalf("claimed %d copies, want 2", len(ds))
	}
	must(t, s.RecordOutcomes(ctx, []store.Outcome{{Delivery: ds[0], Untried: true}}))
	must(t, s.RecordOutcomes(ctx, []store.Outcome{{Delivery: ds[0], Untried: true}, {Delivery: ds[1], Done: true}}))
	if other, err := s.ClaimDeliveries(ctx, "node-b", time.Minute, 0, 10); err != nil || len(other) != 0 {
		t.Errorf("another node claimed %d copies (%v), want none: the lease is node-a's", len(other), err)
	}
	again, err := s.ClaimDeliveries(ctx, "node-a", time.Minute, 0, 10)
	must(t, err)
	if len(again) != 1 || again[0].ID != ds[0].ID || again[0].Attempts != 0 {
		t.Fatalf("claimed again %+v, want copy #%d alone with no attempt", again, ds[0].ID)
	}
}
