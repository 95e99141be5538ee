package archive

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"praxis/archive/index"
	"praxis/listserv/store"
)

// hangingLog is a store whose first read of the index log never returns
// until its context ends, as on a connection the network lost without a
// word; the reads after it go through.
type hangingLog struct {
	IndexStore
	calls atomic.Int32
}

func (h *hangingLog) IndexChanges(ctx context.Context, after store.IndexPos, limit int) ([]store.IndexChange, error) {
	if h.calls.Add(1) == 1 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.IndexStore.IndexChanges(ctx, after, limit)
}

// TestIndexerAfterHang: a batch stuck on a dead connection is given up
// after the batch's bound and the log is read again at the next look;
// unbounded, the first read held the indexer (and every search's view of
// new posts) until TCP gave up.
func TestIndexerAfterHang(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, list := openStore(t)
	put(t, st, list, msg("a@x", "first"))
	put(t, st, list, msg("b@x", "second", "a@x"))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	idx, err := OpenIndex(ctx, st, filepath.Join(t.TempDir(), "index"), index.Options{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	hs := &hangingLog{IndexStore: st}
	x := NewIndexer(hs, idx, quiet)
	x.batchTimeout = 50 * time.Millisecond
	x.SetPoll(10 * time.Millisecond)
	done := make(chan error)
	go func() { done <- x.Run(ctx) }()
	var n uint64
	for i := 0; i < 2000 && n < 2; i++ {
		time.Sleep(10 * time.Millisecond)
		if n, err = idx.Count(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("the index holds %d posts after %d reads of the log, want 2: the read that hung held the indexer", n, hs.calls.Load())
	}
}

// slowLog is a store that cannot read more than two changes of the log
// within any bound (a database that slow, or posts that big).
type slowLog struct {
	IndexStore
	asked []int
}

func (s *slowLog) IndexChanges(ctx context.Context, after store.IndexPos, limit int) ([]store.IndexChange, error) {
	s.asked = append(s.asked, limit)
	if limit > 2 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.IndexStore.IndexChanges(ctx, after, limit)
}

// TestIndexerShrinksSlowBatch: a batch that runs out of time is asked
// for again with half as many changes, down to what can be read within
// the bound; the same batch tried again as it was never got through.
func TestIndexerShrinksSlowBatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, list := openStore(t)
	for i := range 5 {
		put(t, st, list, msg(fmt.Sprintf("p%d@x", i), "post"))
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	idx, err := OpenIndex(ctx, st, filepath.Join(t.TempDir(), "index"), index.Options{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	sl := &slowLog{IndexStore: st}
	x := NewIndexer(sl, idx, quiet)
	x.batchTimeout = 20 * time.Millisecond
	for i := 0; i < 20; i++ {
		x.CatchUp(ctx)
		if n, _ := idx.Count(); n == 5 {
			return
		}
	}
	n, _ := idx.Count()
	t.Fatalf("the index holds %d of 5 posts after 20 catch-ups asking for %v changes", n, sl.asked)
}
