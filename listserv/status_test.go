package listserv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/store"
)

// TestStatusNodes: two nodes' heartbeats on one database, read by
// ReadStatus as the clock moves: both alive while they beat; the one
// that stops cleanly is stopped, the one that stops beating is gone
// once AliveWithin has passed, and comes back alive when it beats again.
// The queue's copies and the jobs' last runs are there; the index lag is
// left out unless told.
func TestStatusNodes(t *testing.T) {
	onTwoNodes(t, func(t *testing.T, n *nodes) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a := NewHeartbeat(n.a.store, store.Node{Name: "host:/data/a", Version: "v1", Listeners: "smtp=127.0.0.1:2525"}, 0, log)
		b := NewHeartbeat(n.b.store, store.Node{Name: "host:/data/b", Version: "v1"}, 0, log)
		must(t, a.Register(ctx))
		must(t, b.Register(ctx))
		states := func(lag IndexLagFunc) (*Status, map[string]string) {
			t.Helper()
			st, err := ReadStatus(ctx, n.a.store, n.now, lag)
			must(t, err)
			got := map[string]string{}
			for _, nd := range st.Nodes {
				got[nd.Name] = nd.State
			}
			return st, got
		}
		if _, got := states(nil); got["host:/data/a"] != NodeAlive || got["host:/data/b"] != NodeAlive || len(got) != 2 {
			t.Errorf("after registering: %v, want both alive", got)
		}
		// b beats, a does not; then a stops cleanly.
		n.set(n.now.Add(AliveWithin + time.Second))
		must(t, n.b.store.NodeHeartbeat(ctx, "host:/data/b"))
		if _, got := states(nil); got["host:/data/a"] != NodeGone || got["host:/data/b"] != NodeAlive {
			t.Errorf("a silent for %s: %v, want a gone and b alive", AliveWithin, got)
		}
		must(t, a.Stop(ctx))
		if _, got := states(nil); got["host:/data/a"] != NodeStopped {
			t.Errorf("after a's clean stop: %v", got)
		}
		n.set(n.now.Add(AliveWithin + time.Second))
		if _, got := states(nil); got["host:/data/b"] != NodeGone {
			t.Errorf("b silent too: %v", got)
		}
		must(t, n.b.store.NodeHeartbeat(ctx, "host:/data/b"))
		if _, got := states(nil); got["host:/data/b"] != NodeAlive {
			t.Errorf("b beating again: %v", got)
		}

		must(t, n.a.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostOpen, ArchivePolicy: ArchivePublic}))
		must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: "m1@example.net"}))
		must(t, n.a.AddMember(ctx, "cop@example.org", &Member{Address: "m2@example.net"}))
		receive(t, n.a, "cop@example.org", "poster@example.com", "From: poster@example.com\r\nTo: cop@example.org\r\nSubject: hi\r\nMessage-ID: <s1@example.com>\r\n\r\nx\r\n")
		must(t, n.b.Maintain(ctx))
		st, _ := states(nil)
		if st.Queue.Depth != 2 || !st.Queue.Oldest.Equal(n.now) {
			t.Errorf("queue %+v, want the post's 2 copies, queued now", st.Queue)
		}
		if len(st.Jobs) != 1 || st.Jobs[0].Job != MaintainJob || !st.Jobs[0].At.Equal(n.now) || st.Jobs[0].Err != "" {
			t.Errorf("jobs %+v, want maintain's pass just now", st.Jobs)
		}
		if st.IndexLag != nil {
			t.Errorf("an index lag nobody measured: %+v", st.IndexLag)
		}
		st, _ = states(func(context.Context) (*IndexLag, error) { return &IndexLag{Changes: 3}, nil })
		if st.IndexLag == nil || st.IndexLag.Changes != 3 {
			t.Errorf("index lag %+v, want what the function said", st.IndexLag)
		}
		if _, err := ReadStatus(ctx, n.a.store, n.now, func(context.Context) (*IndexLag, error) { return nil, errors.New("no index") }); err == nil {
			t.Error("a failing lag was not reported")
		}
	})
}

// TestHeartbeatRun: a running heartbeat renews the node's row as the
// clock moves, registers it again when the row is gone, and Stop marks
// it stopped.
func TestHeartbeatRun(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	must(t, err)
	defer st.Close()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0).UTC() }
	st.SetClock(clock)
	ctx, cancel := context.WithCancel(context.Background())
	h := NewHeartbeat(st, store.Node{Name: "n1"}, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, h.Register(ctx))
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()
	seen := func(want time.Time) {
		t.Helper()
		for i := 0; i < 2000; i++ {
			ns, err := st.Nodes(ctx)
			must(t, err)
			if len(ns) == 1 && ns[0].LastSeen.Equal(want) {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("the heartbeat never wrote last seen %v", want)
	}
	now.Add(30)
	seen(clock())
	_, err = st.DB().Exec(`DELETE FROM nodes`)
	must(t, err)
	now.Add(30)
	seen(clock())
	cancel()
	must(t, <-done)
	must(t, h.Stop(context.Background()))
	st2, err := ReadStatus(context.Background(), st, clock(), nil)
	must(t, err)
	if len(st2.Nodes) != 1 || st2.Nodes[0].State != NodeStopped {
		t.Errorf("after Stop: %+v", st2.Nodes)
	}
}

// hangingBeats is a heartbeat store whose first beat never returns until
// its context ends, as on a connection the network lost without a word;
// the beats after it go through.
type hangingBeats struct {
	HeartbeatStore
	calls, done atomic.Int32
}

func (h *hangingBeats) NodeHeartbeat(ctx context.Context, name string) error {
	if h.calls.Add(1) == 1 {
		<-ctx.Done()
		return ctx.Err()
	}
	h.done.Add(1)
	return nil
}

// TestHeartbeatAfterHang: a beat stuck on a dead connection is given up
// after the beat's bound, and the next beats go through; unbounded, the
// first beat held the heartbeat for as long as TCP took to give up.
func TestHeartbeatAfterHang(t *testing.T) {
	st := &hangingBeats{}
	h := NewHeartbeat(st, store.Node{Name: "n1"}, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.timeout = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx) }()
	for i := 0; i < 3000 && st.done.Load() < 3; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	must(t, <-done)
	if n := st.done.Load(); n < 3 {
		t.Fatalf("%d beats went through after the one that hung, want 3 or more", n)
	}
}
