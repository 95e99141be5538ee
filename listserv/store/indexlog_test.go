package store

import (
	"context"
	"testing"
	"time"
)

// TestPostgresIndexLogInCommitOrder: a transaction that took its place in
// the index log and has not committed holds back the next one, so a
// reader in between never passes it. With positions handed out before
// the commit (a sequence), the second would commit first, the reader
// would move past it, and the first post would never be read.
func TestPostgresIndexLogInCommitOrder(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	a, b := NewList("a@example.org", "A"), NewList("b@example.org", "B")
	must(t, nodes[0].CreateList(ctx, a))
	must(t, nodes[0].CreateList(ctx, b))
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	// The first: archived on node 0 up to its commit, which waits.
	first, raw := tpost{id: "first@x"}.archived(a.ID, start)
	posts, raws := []*ArchivedPost{first}, [][]byte{raw}
	tx, release, err := nodes[0].begin(ctx, nodes[0].db)
	must(t, err)
	defer release()
	if _, err := nodes[0].archiveIn(ctx, tx, posts, raws, hashPosts(posts, raws)); err != nil {
		t.Fatal(err)
	}
	// The second, on another list and node: nothing of the first's holds
	// it but the index log.
	second, raw2 := tpost{id: "second@x"}.archived(b.ID, start)
	done := make(chan error, 1)
	go func() {
		_, err := nodes[1].ArchivePut(ctx, second, raw2)
		done <- err
	}()
	// Until the second waits for a lock, or has committed.
	waiting := func() bool {
		var n int
		must(t, nodes[0].db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n))
		return n > 0
	}
wait:
	for i := 0; !waiting(); i++ {
		if i == 3000 {
			t.Fatal("the second transaction neither waits nor ends")
		}
		select {
		case err := <-done:
			// It committed first: the reader below must still not pass
			// the first.
			done <- err
			break wait
		case <-time.After(10 * time.Millisecond):
		}
	}
	read, err := nodes[1].IndexChanges(ctx, IndexPos{}, 10)
	must(t, err)
	if len(read) != 0 {
		t.Fatalf("while the first waits to commit, a reader finds %d changes (post %d), and would move past the first", len(read), read[0].ID)
	}
	must(t, tx.Commit())
	must(t, <-done)
	read, err = nodes[1].IndexChanges(ctx, IndexPos{}, 10)
	must(t, err)
	if len(read) != 2 || read[0].ID != first.ID || read[1].ID != second.ID || !read[0].Pos.Less(read[1].Pos) {
		t.Fatalf("after both commits the log has %+v, want the first, then the second", read)
	}
}
