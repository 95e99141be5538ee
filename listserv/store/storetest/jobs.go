package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
)

// jobClaimedOnce: nodes deciding the same once-only action at once make
// one claim and queue one notice; a notice that fails before its commit
// leaves the claim to be made again; each job's last pass is kept.
func jobClaimedOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	notice := func() *store.Message {
		return &store.Message{ListID: l.ID, ListAddress: l.Address, Raw: []byte("Subject: expired\r\n\r\nx\r\n")}
	}
	to := func() []*store.Delivery {
		return []*store.Delivery{{ListID: l.ID, Rcpt: "a@example.net", Mode: store.ModeRaw}}
	}
	claim := store.JobClaim{Job: "held-expiry", Period: "42"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.SpoolNoticeOnce(ctx, claim, notice(), to())
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	due, err := s.DueDeliveries(ctx, 0, 10)
	must(t, err)
	if won != 1 || len(due) != 1 {
		t.Fatalf("%d claims won and %d notices queued, want 1 and 1", won, len(due))
	}

	// A notice whose request cannot be stored (its token is taken) rolls
	// back with its claim: the next try makes both.
	now := time.Now()
	req := &store.Pending{Token: "t1", ListID: l.ID, Kind: store.PendingReenable, Address: "a@example.net", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.AddPending(ctx, req))
	warn := store.JobClaim{Job: "bounce-warning", Period: "7/1"}
	dup := *req
	dup.ID = 0
	if ok, err := s.SpoolNoticeOnce(ctx, warn, notice(), to(), &dup); err == nil || ok {
		t.Fatalf("a notice with a duplicate token: %v, %v", ok, err)
	}
	fresh := &store.Pending{Token: "t2", ListID: l.ID, Kind: store.PendingReenable, Address: "a@example.net", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	ok, err := s.SpoolNoticeOnce(ctx, warn, notice(), to(), fresh)
	must(t, err)
	if !ok {
		t.Fatal("a claim whose transaction failed could not be made again")
	}
	if ok, err := s.SpoolNoticeOnce(ctx, warn, notice(), to()); err != nil || ok {
		t.Errorf("a made claim was made again: %v, %v", ok, err)
	}

	must(t, s.RecordJobRun(ctx, "maintain", nil))
	must(t, s.RecordJobRun(ctx, "digests", errors.New("one list failed")))
	must(t, s.RecordJobRun(ctx, "maintain", nil))
	runs, err := s.JobRuns(ctx)
	must(t, err)
	if len(runs) != 2 || runs[0].Job != "digests" || runs[0].Err != "one list failed" || runs[1].Job != "maintain" || runs[1].Err != "" {
		t.Fatalf("JobRuns = %+v", runs)
	}
	for _, r := range runs {
		if r.Node == "" || r.At.IsZero() {
			t.Errorf("run of %s does not say where and when: %+v", r.Job, r)
		}
	}
}

// memberWarnedOnce: a bounce warning's count moves once however many
// nodes mark it at once, and not at all for a member who re-enabled.
func memberWarnedOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	m := &store.Member{ListID: l.ID, Address: "b@example.net"}
	must(t, s.AddMember(ctx, m))
	m.Status, m.DisabledAt = store.StatusDisabledBounce, time.Now()
	must(t, s.UpdateMember(ctx, m))
	at := time.Now().Truncate(time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.MarkWarned(ctx, m.ID, 1, at)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				moved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got, err := s.Member(ctx, l.ID, m.Address)
	must(t, err)
	if moved != 1 || got.WarningsSent != 1 || !got.LastWarningAt.Equal(at) {
		t.Fatalf("marked %d times: %d warnings, last at %v; want once, 1, %v", moved, got.WarningsSent, got.LastWarningAt, at)
	}
	got.Status, got.WarningsSent, got.DisabledAt, got.LastWarningAt = store.StatusEnabled, 0, time.Time{}, time.Time{}
	must(t, s.UpdateMember(ctx, got))
	if ok, err := s.MarkWarned(ctx, m.ID, 1, at); err != nil || ok {
		t.Errorf("a re-enabled member was marked warned: %v, %v", ok, err)
	}
	if got, err := s.Member(ctx, l.ID, m.Address); err != nil || got.Status != store.StatusEnabled || got.WarningsSent != 0 {
		t.Errorf("after marking a re-enabled member: %+v, %v", got, err)
	}
}
