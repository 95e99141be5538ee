package listserv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/listserv/digest/schedule"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/templates"
)

// nodes is two Services on one database, as two `praxis serve` nodes,
// with one clock that the test moves.
type nodes struct {
	a, b *Service
	now  time.Time
}

func (n *nodes) set(t time.Time) { n.now = t }

// both runs f on each node at the same moment and waits for them.
func (n *nodes) both(t *testing.T, f func(svc *Service) error) {
	t.Helper()
	start := make(chan struct{})
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for _, svc := range []*Service{n.a, n.b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- f(svc)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
}

// schedulers runs each node's digest scheduler, as serve does, started
// at the same moment by the same clock, until each has made its first
// pass.
func (n *nodes) schedulers(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	start := make(chan struct{})
	passed := make(chan error, 2)
	var wg sync.WaitGroup
	for _, svc := range []*Service{n.a, n.b} {
		s := schedule.New(svc.Digests(), firstPass{svc.store, passed}, func() time.Time { return n.now }, svc.log)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s.Run(ctx)
		}()
	}
	close(start)
	for range 2 {
		must(t, <-passed)
	}
	cancel()
	wg.Wait()
}

// firstPass records a scheduler's passes and hands on how each went.
type firstPass struct {
	schedule.Recorder
	passed chan<- error
}

func (p firstPass) RecordJobRun(ctx context.Context, job string, runErr error) error {
	err := p.Recorder.RecordJobRun(ctx, job, runErr)
	select {
	case p.passed <- runErr:
	default: // a later pass: the test has what it waits for
	}
	return err
}

// onTwoNodes runs test with two nodes on SQLite (two stores on one
// file) and on PostgreSQL (two stores on one database).
func onTwoNodes(t *testing.T, test func(t *testing.T, n *nodes)) {
	open := func(t *testing.T, dir string, opts store.Options) (*nodes, error) {
		n := &nodes{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
		for _, svc := range []**Service{&n.a, &n.b} {
			st, err := store.Open(context.Background(), dir, opts)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { st.Close() })
			st.SetClock(func() time.Time { return n.now })
			*svc, err = New(context.Background(), st, Config{BaseURL: "https://lists.example.org", Hostname: "lists.example.org", Now: func() time.Time { return n.now }},
				templates.MustParse(), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				return nil, err
			}
		}
		return n, nil
	}
	t.Run("sqlite", func(t *testing.T) {
		n, err := open(t, t.TempDir(), store.Options{})
		must(t, err)
		test(t, n)
	})
	t.Run("postgres", func(t *testing.T) {
		n, err := open(t, "", store.Options{DB: pgtest.URL(t)})
		must(t, err)
		test(t, n)
	})
}

// mailTo counts, by recipient, the queued copies of messages whose
// subject has want in it.
func mailTo(t *testing.T, svc *Service, want string) map[string]int {
	t.Helper()
	ctx := context.Background()
	ds, err := svc.store.DueDeliveries(ctx, 0, 100000)
	must(t, err)
	got := map[string]int{}
	for _, d := range ds {
		m, err := svc.store.Message(ctx, d.MessageID)
		must(t, err)
		if strings.Contains(m.Subject, want) {
			got[d.Rcpt]++
		}
	}
	return got
}

// TestTwoNodesOneDigest: two nodes' schedulers deciding the same digest
// at the same moment, day after day, make one run of it, and each reader gets one
// digest a day; the weekly summary, decided by both too, goes once. (The digest runs and the readers they reached, kept in
// the transactions that queue the mail, already make this so: no claim.)
func TestTwoNodesOneDigest(t *testing.T) {
	onTwoNodes(t, func(t *testing.T, n *nodes) {
		ctx := context.Background()
		must(t, n.a.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostOpen, ArchivePolicy: ArchivePublic}))
		readers := []string{"r1@example.net", "r2@example.net", "r3@example.net"}
		for _, r := range readers {
			must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: r, Delivery: DeliverDigest}))
		}
		// The list's summary goes on Mondays: 2026-03-09 is the first
		// with a week of posts behind it.
		must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: "learner@example.net", Delivery: DeliverSummary}))
		day := n.now
		const days = 8
		for i := range days {
			for j := range 2 {
				receive(t, n.a, "cop@example.org", "poster@example.com", fmt.Sprintf("From: poster@example.com\r\nTo: cop@example.org\r\nSubject: day %d post %d\r\nMessage-ID: <d%dp%d@example.com>\r\n\r\nx\r\n", i, j, i, j))
			}
			day = day.AddDate(0, 0, 1)
			n.set(time.Date(day.Year(), day.Month(), day.Day(), 6, 0, 30, 0, time.UTC))
			n.schedulers(t)
			l, err := n.b.store.ListByAddress(ctx, "cop@example.org")
			must(t, err)
			run, err := n.b.store.LastDigestRun(ctx, l.ID, "digest")
			must(t, err)
			if run.Issue != i+1 || run.State != store.RunDone {
				t.Errorf("day %d: the last run is issue %d (%s), want issue %d, done", i, run.Issue, run.State, i+1)
			}
		}
		got := mailTo(t, n.a, "Digest")
		for _, r := range readers {
			if got[r] != days {
				t.Errorf("%s got %d digests in %d days, want one a day", r, got[r], days)
			}
		}
		if got := mailTo(t, n.a, "")["learner@example.net"]; got != 1 {
			t.Errorf("the summary reader got %d mails in a week and a day, want one summary", got)
		}
	})
}

// TestTwoNodesOneExpiryNotice: two nodes expiring the same held posts at
// the same moment tell each author once; and a post a crash left
// rejected by expiry with its author not told yet is told of by the next
// pass, once.
func TestTwoNodesOneExpiryNotice(t *testing.T) {
	onTwoNodes(t, func(t *testing.T, n *nodes) {
		ctx := context.Background()
		must(t, n.a.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP", HoldDays: 3, ArchivePolicy: ArchivePublic}))
		must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: "mod@example.org", Role: RoleModerator}))
		authors := []string{"a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com"}
		for _, a := range authors {
			receive(t, n.a, "cop@example.org", a, "From: "+a+"\r\nTo: cop@example.org\r\nSubject: waiting\r\n\r\nx\r\n")
		}
		_, held, err := n.a.Moderation().Held(ctx, "cop@example.org")
		must(t, err)
		if len(held) != len(authors) {
			t.Fatalf("%d posts held, want %d", len(held), len(authors))
		}
		// The last author's post: a node rejected it and crashed before
		// its notice.
		crashed := held[len(held)-1]
		must(t, n.a.store.Transition(ctx, crashed.ID, store.StateHeld, store.StateRejected, expiredReasonForTest, "", nil))

		n.set(n.now.Add(3*24*time.Hour + time.Minute))
		n.both(t, func(svc *Service) error { return svc.Maintain(ctx) })
		n.both(t, func(svc *Service) error { return svc.Maintain(ctx) })
		if _, held, err := n.b.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 0 {
			t.Fatalf("%d posts still held (%v)", len(held), err)
		}
		got := mailTo(t, n.a, "expired")
		for _, a := range authors {
			if got[a] != 1 {
				t.Errorf("%s was told %d times that the post expired, want once", a, got[a])
			}
		}
	})
}

// expiredReasonForTest is the reason a held post's expiry gives it.
const expiredReasonForTest = "expired after 3 days without a moderator's decision"

// TestTwoNodesOneBounceWarning: two nodes warning the same disabled
// members at the same moment send each member one warning, with one
// re-enable request, per round; after the last round the owners hear of
// each removal once.
func TestTwoNodesOneBounceWarning(t *testing.T) {
	onTwoNodes(t, func(t *testing.T, n *nodes) {
		ctx := context.Background()
		must(t, n.a.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP", ArchivePolicy: ArchivePublic}))
		must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: "owner@example.org", Role: RoleOwner}))
		bouncing := []string{"b1@example.net", "b2@example.net", "b3@example.net"}
		for _, addr := range bouncing {
			must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: addr}))
			_, m, err := n.a.Member(ctx, "cop@example.org", addr)
			must(t, err)
			m.Status, m.DisabledAt = store.StatusDisabledBounce, n.now
			must(t, n.a.UpdateMember(ctx, m))
		}
		const rounds = 3 // bounce.BounceWarnings
		for round := 1; round <= rounds+1; round++ {
			n.both(t, func(svc *Service) error { return svc.Maintain(ctx) })
			got := mailTo(t, n.a, "is paused")
			for _, addr := range bouncing {
				want := min(round, rounds)
				if got[addr] != want {
					t.Errorf("round %d: %s got %d warnings, want %d", round, addr, got[addr], want)
				}
			}
			n.set(n.now.Add(7*24*time.Hour + time.Minute))
		}
		if got := mailTo(t, n.a, "removed after bounces")["owner@example.org"]; got != len(bouncing) {
			t.Errorf("the owner was told of %d removals, want %d", got, len(bouncing))
		}
		runs, err := n.b.store.JobRuns(ctx)
		must(t, err)
		if len(runs) != 1 || runs[0].Job != MaintainJob || runs[0].Err != "" || !runs[0].At.Equal(n.now.Add(-7*24*time.Hour-time.Minute).Truncate(time.Second)) {
			t.Errorf("JobRuns = %+v, want the last maintenance pass", runs)
		}
	})
}
