package archive

import (
	"context"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"testing"

	"praxis/archive/index"
	"praxis/listserv/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openIndex(t *testing.T, st LogIDStore, dir string) *index.Index {
	t.Helper()
	idx, err := OpenIndex(context.Background(), st, dir, index.Options{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

// found returns the thread of each post a search on idx finds, by
// Message-ID.
func found(t *testing.T, idx *index.Index, list, q string) map[string]string {
	t.Helper()
	res, err := Search(idx, list, q, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, h := range res.Hits {
		out[h.MessageID] = h.ThreadID
	}
	return out
}

// everything matches every post of the tests' lists (msg dates them 2021).
const everything = "d:2000-01-01.."

// TestIndexerFollowsTheLog: a post archived is indexed, a thread merge
// indexes the moved post again with its new thread, a deleted list's
// posts leave; the index keeps its position across a reopen, and a second
// index on the same store, new, is built from the database.
func TestIndexerFollowsTheLog(t *testing.T) {
	ctx := context.Background()
	st, list := openStore(t)
	l, err := st.ListByID(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	other := store.NewList("other@example.org", "Other")
	if err := st.CreateList(ctx, other); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	idx := openIndex(t, st, dir)
	x := NewIndexer(st, idx, quiet)
	catchUp := func(want int) {
		t.Helper()
		if n, err := x.CatchUp(ctx); err != nil || n != want {
			t.Fatalf("CatchUp applied %d changes (%v), want %d", n, err, want)
		}
	}
	lag := func(want int64) {
		t.Helper()
		pos, err := Position(idx)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := IndexLag(ctx, st, pos); err != nil || got.Changes != want || got.Oldest.IsZero() != (want == 0) {
			t.Errorf("lag %+v (%v), want %d changes", got, err, want)
		}
	}

	a := put(t, st, list, msg("a@x", "Lathes"))
	put(t, st, list, msg("b@x", "Beds", "ghost@x"))
	put(t, st, other.ID, msg("o@x", "Elsewhere"))
	lag(3)
	catchUp(3)
	lag(0)
	if got := found(t, idx, l.Address, everything); len(got) != 2 || got["b@x"] != "ghost@x" {
		t.Fatalf("after the first posts, found %v", got)
	}

	// c names a@x and b's ghost: b's thread merges into a's.
	put(t, st, list, msg("c@x", "Re: Lathes", "ghost@x", "a@x"))
	catchUp(2)
	if got := found(t, idx, l.Address, everything); len(got) != 3 || got["b@x"] != a.ThreadID || got["c@x"] != a.ThreadID {
		t.Fatalf("after the merge, found %v; want all in %s", got, a.ThreadID)
	}

	if err := st.DeleteList(ctx, other.Address); err != nil {
		t.Fatal(err)
	}
	catchUp(1)
	if got := found(t, idx, other.Address, everything); len(got) != 0 {
		t.Errorf("the deleted list's posts are still found: %v", got)
	}
	if n, _ := idx.Count(); n != 3 {
		t.Errorf("the index holds %d posts, want 3", n)
	}

	// Reopened, it knows where it stands.
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx = openIndex(t, st, dir)
	x = NewIndexer(st, idx, quiet)
	catchUp(0)

	// A new node's index, empty, is built from the database.
	fresh := openIndex(t, st, filepath.Join(t.TempDir(), "index"))
	if _, err := NewIndexer(st, fresh, quiet).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := found(t, fresh, l.Address, everything); len(got) != 3 || got["b@x"] != a.ThreadID {
		t.Errorf("a new index finds %v", got)
	}
	if n, _ := fresh.Count(); n != 3 {
		t.Errorf("a new index holds %d posts, want 3", n)
	}
}

// An index made before the index log has documents and no position: it
// holds what migration 0017 logged at 1, and reads on from 2.
func TestPositionOfAnOlderIndex(t *testing.T) {
	st, _ := openStore(t)
	idx := openIndex(t, st, filepath.Join(t.TempDir(), "index"))
	if p, err := Position(idx); err != nil || p != (store.IndexPos{}) {
		t.Fatalf("an empty index's position: %+v, %v", p, err)
	}
	if err := idx.Put(index.Doc{ID: "1", List: "cop@example.org", Subject: "old"}); err != nil {
		t.Fatal(err)
	}
	if p, err := Position(idx); err != nil || p != (store.IndexPos{Pos: 1, ArchiveID: math.MaxInt64}) {
		t.Fatalf("an older index's position: %+v, %v", p, err)
	}
}

// An index whose position is in another database's index log (a data dir
// moved to another database) is rebuilt from this one's archive, not read
// on from a position that means nothing here.
func TestIndexOfAnotherDatabaseRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	first, list := openStore(t)
	put(t, first, list, msg("a@x", "From the first"))
	idx := openIndex(t, first, dir)
	if _, err := NewIndexer(first, idx, quiet).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	second, list2 := openStore(t)
	put(t, second, list2, msg("b@x", "From the second"))
	put(t, second, list2, msg("c@x", "From the second"))
	idx = openIndex(t, second, dir)
	if _, err := NewIndexer(second, idx, quiet).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := found(t, idx, "cop@example.org", everything); len(got) != 2 || got["a@x"] != "" {
		t.Errorf("the index on the second database finds %v, want b@x and c@x", got)
	}
}

// An index built from a database that was then restored from a backup
// (taken before changes the index applied) is rebuilt once the restore
// names the log anew (store.RenameIndexLog, and Store.ForgetProcesses,
// which praxis restore runs): read on from its position, it would skip
// the changes the restored database gives out at those positions again
// (here more of them than the restore lost, so that no position
// arithmetic could tell).
func TestIndexOfARestoredDatabaseRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	st, list := openStore(t)
	put(t, st, list, msg("a@x", "Before the backup"))
	backup := t.TempDir()
	if err := st.Snapshot(ctx, filepath.Join(backup, store.SQLiteFile)); err != nil {
		t.Fatal(err)
	}
	put(t, st, list, msg("b@x", "After the backup"))
	put(t, st, list, msg("c@x", "After the backup"))
	idx := openIndex(t, st, dir)
	if _, err := NewIndexer(st, idx, quiet).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	restored, err := store.Open(ctx, backup, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.ForgetProcesses(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"d@x", "e@x", "f@x"} {
		put(t, restored, list, msg(id, "After the restore"))
	}
	idx = openIndex(t, restored, dir)
	if _, err := NewIndexer(restored, idx, quiet).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	got := found(t, idx, "cop@example.org", everything)
	if len(got) != 4 || got["a@x"] == "" || got["d@x"] == "" || got["e@x"] == "" || got["f@x"] == "" {
		t.Errorf("the index on the restored database finds %v, want a@x, d@x, e@x and f@x", got)
	}
}

// A reindex replaces the links recorded for a post with those today's
// rules find in it: a link an older Praxis recorded (here a pasted
// log's) leaves the resources page.
func TestReindexReplacesLinks(t *testing.T) {
	ctx := context.Background()
	st, list := openStore(t)
	raw := msg("l@x", "Manual")
	raw = raw[:len(raw)-len("body of l@x\r\n")] + "See https://docs.example.org/manual.html for it.\r\n"
	p := put(t, st, list, raw)
	idx := openIndex(t, st, filepath.Join(t.TempDir(), "index"))
	x := NewIndexer(st, idx, quiet)
	if _, err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	stale := store.Link{ArchiveID: p.ID, ListID: list, URL: "http://archive.ubuntu.example/ubuntu", Date: p.Date}
	if err := st.PutLinks(ctx, nil, []store.Link{stale}); err != nil {
		t.Fatal(err)
	}
	urls := func() []string {
		t.Helper()
		res, err := st.ArchiveResources(ctx, list, "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res {
			out = append(out, r.Value)
		}
		return out
	}
	if got := urls(); len(got) != 2 {
		t.Fatalf("before the reindex: %q, want the manual and the stale link", got)
	}
	if err := st.Reindex(ctx, list); err != nil {
		t.Fatal(err)
	}
	if _, err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := urls(); len(got) != 1 || got[0] != "https://docs.example.org/manual.html" {
		t.Errorf("after the reindex: %q, want the manual alone", got)
	}
}
