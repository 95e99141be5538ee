package archive

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/archive/index"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// heard counts the store's wake-ups of an indexer: the first is its
// listening connection made, each one after is a NOTIFY.
type heard struct {
	*store.Store
	wakes atomic.Int32
}

func (h *heard) ListenIndexLog(ctx context.Context, log *slog.Logger, wake func()) error {
	return h.Store.ListenIndexLog(ctx, log, func() { h.wakes.Add(1); wake() })
}

// node is one serve's share of the index: its store and its index, with
// the indexer running as serve runs it, its poll an hour away.
type node struct {
	st  *heard
	idx *index.Index
}

func startNode(t *testing.T, url string) *node {
	t.Helper()
	st, err := store.Open(context.Background(), "", store.Options{DB: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n := &node{st: &heard{Store: st}, idx: openIndex(t, st, filepath.Join(t.TempDir(), "index"))}
	x := NewIndexer(n.st, n.idx, quiet)
	x.SetPoll(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { x.Run(ctx) })
	// Before the store closes and the database is dropped: Run returns
	// once its listening connection is closed.
	t.Cleanup(func() { cancel(); wg.Wait() })
	return n
}

// eventually waits, a bounded number of times, until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i == 600 {
			t.Fatalf("%s: not after 600 tries", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIndexNodesOnePostgres: two nodes on one PostgreSQL database, each
// with its own index. A post archived through one is found on the other,
// woken by NOTIFY (their polls are an hour away); a thread merge is
// indexed again on both, a deleted list leaves both, a dropped listening
// connection is made again, and a third node, new, builds its index from
// the database.
func TestIndexNodesOnePostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, b := startNode(t, url), startNode(t, url)
	eventually(t, "both nodes listen", func() bool { return a.st.wakes.Load() > 0 && b.st.wakes.Load() > 0 })
	l, gone := store.NewList("cop@example.org", "CoP"), store.NewList("gone@example.org", "Gone")
	for _, l := range []*store.List{l, gone} {
		if err := a.st.CreateList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	threads := func(n *node, list string) map[string]string { return found(t, n.idx, list, everything) }

	woken := b.st.wakes.Load()
	first := put(t, a.st.Store, l.ID, msg("a@x", "Lathes"))
	eventually(t, "node b finds the post archived on node a", func() bool { return len(threads(b, l.Address)) == 1 })
	eventually(t, "node b is notified", func() bool { return b.st.wakes.Load() > woken })

	// On node b: a post in a thread of its own, then one that merges it
	// into the first's.
	put(t, b.st.Store, l.ID, msg("b@x", "Beds", "ghost@x"))
	put(t, b.st.Store, gone.ID, msg("o@x", "Elsewhere"))
	put(t, b.st.Store, l.ID, msg("c@x", "Re: Lathes", "ghost@x", "a@x"))
	for _, n := range []*node{a, b} {
		eventually(t, "the merge on both", func() bool {
			got := threads(n, l.Address)
			return len(got) == 3 && got["b@x"] == first.ThreadID && got["c@x"] == first.ThreadID
		})
		eventually(t, "the other list's post on both", func() bool { return len(threads(n, gone.Address)) == 1 })
	}

	if err := a.st.DeleteList(ctx, gone.Address); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{a, b} {
		eventually(t, "the deleted list's post leaves both", func() bool { return len(threads(n, gone.Address)) == 0 })
		pos, err := Position(n.idx)
		if err != nil {
			t.Fatal(err)
		}
		if lag, err := IndexLag(ctx, n.st, pos); err != nil || lag.Changes != 0 {
			t.Errorf("lag %+v (%v), want none", lag, err)
		}
	}

	// The listening connections dropped (the server ended them): each
	// node listens again, and hears of the next post.
	woken = b.st.wakes.Load()
	var ended int
	if err := a.st.DB().QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&ended); err != nil || ended != 2 {
		t.Fatalf("ended %d listening connections (%v), want 2", ended, err)
	}
	eventually(t, "node b listens again", func() bool { return b.st.wakes.Load() > woken })
	woken = b.st.wakes.Load()
	put(t, a.st.Store, l.ID, msg("d@x", "Chucks"))
	eventually(t, "node b finds the post after the drop", func() bool { return len(threads(b, l.Address)) == 4 })
	eventually(t, "node b is notified after the drop", func() bool { return b.st.wakes.Load() > woken })

	// A new node: its index is built from the database as it starts.
	c := startNode(t, url)
	eventually(t, "the new node's index", func() bool {
		got := threads(c, l.Address)
		return len(got) == 4 && got["b@x"] == first.ThreadID
	})
	if n, _ := c.idx.Count(); n != 4 {
		t.Errorf("the new node's index holds %d posts, want 4", n)
	}
}
