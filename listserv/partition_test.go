package listserv

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/templates"
)

// TestChecksAfterPartition: the network to PostgreSQL loses the pool's
// connections without a word (a partition that healed, after which the
// server has forgotten them). A pass of the checks on one of them is cut
// off by its own bound, not left to TCP's quarter of an hour with every
// post behind it, and the next passes, on new connections, accept the
// post.
func TestChecksAfterPartition(t *testing.T) {
	old := processTimeout
	// Short, so that the lost connections cost little, yet far above a
	// pass on a good one on a busy machine (300 ms was not: under CI's
	// CPU burners every pass ran out, and the post stayed unchecked).
	processTimeout = 3 * time.Second
	defer func() { processTimeout = old }()
	ctx := context.Background()
	proxy, st, svc := receivedBehindProxy(t, ctx)
	proxy.Blackhole()
	var err error
	for i := 0; ; i++ {
		done := make(chan error, 1)
		go func() { done <- svc.ProcessReceived(ctx) }()
		select {
		case err = <-done:
		case <-time.After(time.Minute):
			t.Fatal("a pass of the checks still waits on a lost connection after a minute")
		}
		// The test's own reads are bounded too: they may meet a lost
		// connection of the pool first.
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		left, lerr := st.MessageIDsInState(rctx, store.StateReceived, 0, 10)
		cancel()
		if err == nil && lerr == nil && len(left) == 0 {
			break
		}
		if i == 30 {
			t.Fatalf("the post is still not checked after %d passes: %v, %v", i, err, lerr)
		}
	}
	for i := 0; ; i++ {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ids, err := st.MessageIDsInState(rctx, store.StateAccepted, 0, 10)
		cancel()
		if err == nil {
			if len(ids) != 1 {
				t.Errorf("%d posts accepted, want 1", len(ids))
			}
			break
		}
		if i == 30 {
			t.Fatal(err)
		}
	}
}

// TestRunAfterPartition: the same lost connections under the service's
// loop, whose periodic maintenance runs beside the checks: a maintenance
// pass on a lost connection is cut off by the same bound, and the post
// received before the partition is accepted by a later pass of the loop
// (a maintenance pass left to TCP held the loop, and every post, for a
// quarter of an hour).
func TestRunAfterPartition(t *testing.T) {
	old := processTimeout
	processTimeout = 3 * time.Second
	defer func() { processTimeout = old }()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	proxy, st, svc := receivedBehindProxy(t, ctx)
	// Many idle connections in the pool, all lost at once: each pass
	// that meets one loses it after its bound, and the maintenance
	// meets one of its own.
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.DB().ExecContext(ctx, `SELECT pg_sleep(0.3)`)
		}()
	}
	wg.Wait()
	proxy.Blackhole()
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	// Looks a second apart, at most 90: far above a few passes cut off
	// at 3 s each, far below TCP's quarter of an hour.
	for i := 0; ; i++ {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ids, err := st.MessageIDsInState(rctx, store.StateAccepted, 0, 10)
		cancel()
		if err == nil && len(ids) == 1 {
			break
		}
		if i == 90 {
			t.Fatalf("the post is not accepted after %d looks: %v", i, err)
		}
		time.Sleep(time.Second)
	}
	stop()
	<-done
}

// receivedBehindProxy is a service on a PostgreSQL reached through a
// proxy the test can cut, with one list, one member and one post
// received and not yet checked.
func receivedBehindProxy(t *testing.T, ctx context.Context) (*pgtest.Proxy, *store.Store, *Service) {
	t.Helper()
	proxy, url := pgtest.NewProxy(t, pgtest.URL(t))
	st, err := store.Open(ctx, "", store.Options{DB: url})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	svc, err := New(ctx, st, Config{BaseURL: "https://lists.example.org", Hostname: "lists.example.org"}, templates.MustParse(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostOpen, SubscribePolicy: SubscribeConfirm, ArchivePolicy: ArchivePublic}))
	must(t, svc.AddMember(ctx, "cop@example.org", &store.Member{Address: "m@example.net"}))
	r, err := svc.Inbound().Resolve(ctx, "cop@example.org")
	must(t, err)
	must(t, svc.Inbound().Receive(ctx, Envelope{MailFrom: "a@example.net"}, []Route{r}, []byte("From: a@example.net\r\nSubject: after\r\nMessage-ID: <after@example.net>\r\n\r\nbody\r\n")))
	return proxy, st, svc
}
