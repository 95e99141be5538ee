package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), dir, Options{})
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, dir)
	var n, distinct int
	must(t, s.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct))
	files, err := migrations.ReadDir("migrations")
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no migration files embedded")
	}
	if n != len(files) || distinct != n {
		t.Errorf("%d migration rows (%d distinct) for %d files", n, distinct, len(files))
	}
}

func TestSecretStable(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir)
	k1, err := a.Secret(context.Background(), "unsubscribe")
	if err != nil || len(k1) != 32 {
		t.Fatal(err, len(k1))
	}
	b := open(t, dir)
	k2, err := b.Secret(context.Background(), "unsubscribe")
	must(t, err)
	if string(k1) != string(k2) {
		t.Error("two processes disagree on a secret")
	}
}

func TestSpoolGroupCommit(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public", Prefix: ""}
	if err := s.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const n = 200
	ids := make(chan int64, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@b.c", Rcpt: l.Address, Raw: []byte(fmt.Sprintf("Subject: %d\r\n\r\nx", i))}
			if err := s.Spool(ctx, m); err != nil {
				t.Error(err)
			}
			ids <- m.ID
		}(i)
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("bad or duplicate id %d", id)
		}
		seen[id] = true
	}
	ms, err := s.MessagesInState(ctx, StateReceived, 0, 1000)
	if err != nil || len(ms) != n {
		t.Fatalf("stored %d, %v; want %d", len(ms), err, n)
	}
}

func TestTransitionOnceAndOutcomes(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public"}
	must(t, s.CreateList(ctx, l))
	m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@b.c", Rcpt: l.Address, Raw: []byte("x")}
	if err := s.Spool(ctx, m); err != nil {
		t.Fatal(err)
	}
	ds := []*Delivery{
		{ListID: l.ID, Rcpt: "a@x.org", Mode: ModeCopy, EnvFrom: "v"},
		{ListID: l.ID, Rcpt: "b@x.org", Mode: ModeCopy, EnvFrom: "v"},
		{ListID: l.ID, Rcpt: "c@x.org", Mode: ModeCopy, EnvFrom: "v"},
	}
	if err := s.Transition(ctx, m.ID, StateReceived, StateAccepted, "", "id@x", ds); err != nil {
		t.Fatal(err)
	}
	// A replay after a crash must not queue the copies twice.
	if err := s.Transition(ctx, m.ID, StateReceived, StateAccepted, "", "id@x", ds); !errors.Is(err, ErrState) {
		t.Fatalf("second transition: %v, want ErrState", err)
	}
	due, err := s.DueDeliveries(ctx, 0, 10)
	must(t, err)
	if len(due) != 3 {
		t.Fatalf("due = %d", len(due))
	}
	err = s.RecordOutcomes(ctx, []Outcome{
		{Delivery: due[0], Done: true},
		{Delivery: due[1], RetryAt: time.Now().Add(time.Hour), Code: 451, Text: "later"},
		{Delivery: due[2], Code: 550, Enhanced: "5.1.1", Text: "no such user", Permanent: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.DeliveryCounts(ctx, m.ID)
	must(t, err)
	if counts["done"] != 1 || counts["queued"] != 1 || counts["failed"] != 1 {
		t.Errorf("counts = %v", counts)
	}
	if due, err := s.DueDeliveries(ctx, 0, 10); err != nil || len(due) != 0 {
		t.Errorf("a retry scheduled in an hour is due now: %d (%v)", len(due), err)
	}
	fs, err := s.Failures(ctx, l.ID, "c@x.org")
	must(t, err)
	if len(fs) != 1 || fs[0].Code != 550 || !fs[0].Permanent {
		t.Errorf("failures = %+v", fs)
	}
}

func TestRemoveMemberOtherCaseDropsQueuedCopies(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public"}
	must(t, s.CreateList(ctx, l))
	if err := s.AddMember(ctx, &Member{ListID: l.ID, Address: "Zed@example.net", Role: "member", Delivery: "each"}); err != nil {
		t.Fatal(err)
	}
	m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@b.c", Rcpt: l.Address, Raw: []byte("x")}
	must(t, s.Spool(ctx, m))
	if _, err := s.TransitionFanout(ctx, m.ID, StateReceived, StateAccepted, "", "id@x", nil, &Fanout{ListID: l.ID, Delivery: "each", Status: "enabled"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, l.ID, "zed@EXAMPLE.net"); err != nil {
		t.Fatal(err)
	}
	if due, err := s.DueDeliveries(ctx, 0, 10); err != nil || len(due) != 0 {
		t.Errorf("%d copies still queued for a removed member (%v)", len(due), err)
	}
}

// TestNoticeAndRequestTogether: a confirmation request is stored with the
// mail that asks for it or not at all. Stored apart, a crash between the
// two left a request that "was already sent" and a mail never sent (the
// chaos test found a join answered by nothing).
func TestNoticeAndRequestTogether(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public"}
	if err := s.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	req := func(token string) *Pending {
		return &Pending{Token: token, ListID: l.ID, Kind: PendingSubscribe, Address: "a@example.net", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	notice := func() *Message {
		return &Message{ListID: l.ID, ListAddress: l.Address, Raw: []byte("Subject: confirm\r\n\r\nx\r\n")}
	}
	if err := s.SpoolNotice(ctx, notice(), []*Delivery{{ListID: l.ID, Rcpt: "a@example.net", Mode: ModeRaw}}, req("t1")); err != nil {
		t.Fatal(err)
	}
	// The same token again cannot be stored: the mail that names it must
	// not be stored either.
	if err := s.SpoolNotice(ctx, notice(), []*Delivery{{ListID: l.ID, Rcpt: "a@example.net", Mode: ModeRaw}}, req("t1")); err == nil {
		t.Fatal("a duplicate token was stored")
	}
	notices, err := s.CountMessages(ctx, KindNotice, "")
	must(t, err)
	var pendings int
	must(t, s.db.QueryRow(`SELECT COUNT(*) FROM pending`).Scan(&pendings))
	if notices != 1 || pendings != 1 {
		t.Errorf("%d notices and %d requests stored, want 1 and 1", notices, pendings)
	}
}

// must stops the test at a setup step that failed: a step whose error is
// dropped leaves the test checking nothing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
