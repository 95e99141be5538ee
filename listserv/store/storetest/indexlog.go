package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"praxis/listserv/store"
)

// indexLogFollowsTheArchive: every change the full-text index must
// follow is in the index log, in the order it was made, with the post as
// it is now: a post archived (once), the posts a thread merge moved, a
// deleted list's posts (to leave), and a re-index asked for.
func indexLogFollowsTheArchive(t *testing.T, s store.Backend) {
	ctx := context.Background()
	// read returns the log after pos, a page of two at a time, and checks
	// its order.
	read := func(after store.IndexPos) []store.IndexChange {
		t.Helper()
		var out []store.IndexChange
		for {
			page, err := s.IndexChanges(ctx, after, 2)
			must(t, err)
			for _, c := range page {
				if !after.Less(c.Pos) {
					t.Fatalf("the log went back: %+v after %+v", c.Pos, after)
				}
				after = c.Pos
			}
			out = append(out, page...)
			if len(page) < 2 {
				return out
			}
		}
	}
	ids := func(cs []store.IndexChange) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	last := func(cs []store.IndexChange) store.IndexPos { return cs[len(cs)-1].Pos }

	if cs := read(store.IndexPos{}); len(cs) != 0 {
		t.Fatalf("an empty archive's log: %v", ids(cs))
	}
	// The log's name, which an index records with its position.
	logID, err := s.IndexLogID(ctx)
	must(t, err)
	if again, err := s.IndexLogID(ctx); err != nil || logID == "" || again != logID {
		t.Errorf("the index log's id: %q, then %q (%v)", logID, again, err)
	}
	if n, oldest, err := s.IndexBacklog(ctx, store.IndexPos{}); err != nil || n != 0 || !oldest.IsZero() {
		t.Errorf("an empty log's backlog: %d, %v, %v", n, oldest, err)
	}

	a := newList(t, s, "a@example.org")
	b := newList(t, s, "b@example.org")
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	x, xraw := archived(a, "x@example.net", "Lathes", "", day)
	y, yraw := archived(a, "y@example.net", "Re: Lathes", "ghost@example.net", day.Add(time.Hour))
	_, err = s.ArchivePutMany(ctx, []*store.ArchivedPost{x, y}, [][]byte{xraw, yraw})
	must(t, err)
	o, oraw := archived(b, "o@example.net", "Elsewhere", "", day)
	_, err = s.ArchivePut(ctx, o, oraw)
	must(t, err)
	// The same post again is nothing new.
	again, _ := archived(b, "o@example.net", "Elsewhere", "", day)
	_, err = s.ArchivePut(ctx, again, oraw)
	must(t, err)
	cs := read(store.IndexPos{})
	if got, want := ids(cs), []int64{x.ID, y.ID, o.ID}; !slices.Equal(got, want) {
		t.Fatalf("the log after three posts: %v, want %v", got, want)
	}
	if cs[0].Pos.Pos != cs[1].Pos.Pos || cs[1].Pos.Pos >= cs[2].Pos.Pos {
		t.Errorf("positions %+v: one for a transaction, a later one for the next", []store.IndexPos{cs[0].Pos, cs[1].Pos, cs[2].Pos})
	}
	if c := cs[2]; c.List != b.Address || string(c.Raw) != string(oraw) || c.MessageID != "o@example.net" || c.Gone() || c.At.IsZero() {
		t.Errorf("the third change: %+v", c)
	}
	if n, oldest, err := s.IndexBacklog(ctx, cs[0].Pos); err != nil || n != 2 || oldest.IsZero() {
		t.Errorf("backlog after the first: %d, %v, %v; want 2", n, oldest, err)
	}
	if n, _, err := s.IndexBacklog(ctx, last(cs)); err != nil || n != 0 {
		t.Errorf("backlog after the last: %d, %v", n, err)
	}
	seen := last(cs)

	// z names x and y's ghost: y's thread merges into x's, and y is
	// indexed again with it.
	z, zraw := archived(a, "z@example.net", "Re: Lathes", "x@example.net", day.Add(2*time.Hour))
	z.Refs = []string{"x@example.net", "ghost@example.net"}
	_, err = s.ArchivePut(ctx, z, zraw)
	must(t, err)
	cs = read(seen)
	if got, want := ids(cs), []int64{y.ID, z.ID}; !slices.Equal(got, want) {
		t.Fatalf("the log after a merge: %v, want %v", got, want)
	}
	if cs[0].ThreadID != x.ThreadID || cs[1].ThreadID != x.ThreadID {
		t.Errorf("after the merge, threads %q and %q, want %q", cs[0].ThreadID, cs[1].ThreadID, x.ThreadID)
	}
	seen = last(cs)

	// A list deleted: its posts leave.
	must(t, s.DeleteList(ctx, b.Address))
	cs = read(seen)
	if len(cs) != 1 || cs[0].ID != o.ID || !cs[0].Gone() || cs[0].Raw != nil {
		t.Fatalf("the log after a list's deletion: %+v", cs)
	}
	seen = last(cs)

	// A re-index: the list's posts again; every list's is those of the
	// lists that are left.
	must(t, s.Reindex(ctx, a.ID))
	cs = read(seen)
	if got, want := ids(cs), []int64{x.ID, y.ID, z.ID}; !slices.Equal(got, want) || cs[0].Gone() {
		t.Fatalf("the log after a re-index: %v, want %v", got, want)
	}
	for _, c := range cs {
		if !c.Reindex {
			t.Errorf("an entry of the re-index does not say so: %+v", c.Pos)
		}
	}
	seen = last(cs)
	must(t, s.Reindex(ctx, 0))
	if got, want := ids(read(seen)), []int64{x.ID, y.ID, z.ID}; !slices.Equal(got, want) {
		t.Fatalf("the log after a re-index of all: %v, want %v", got, want)
	}

	// From the start, a new node reads every change there was; only
	// the re-indexes' six say they are one.
	all := read(store.IndexPos{})
	if n := len(all); n != 3+2+1+3+3 {
		t.Errorf("the whole log: %d changes, want 12", n)
	}
	reindexed := 0
	for _, c := range all {
		if c.Reindex {
			reindexed++
		}
	}
	if reindexed != 6 {
		t.Errorf("%d entries say they are a re-index, want 6", reindexed)
	}
}
