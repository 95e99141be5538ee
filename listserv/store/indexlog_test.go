package store

import (
	"context"
	"math"
	"slices"
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

// TestIndexLogMigrated: an archive from before the index log (0017) gets
// its entries from the flag it had. On SQLite, whose one index the flag
// described, what was indexed is at 1 (an index without a position takes
// it as applied) and what waited at 2; on PostgreSQL, where another node
// may have set the flag, everything waits at 2. A deleted list's posts
// already out of the index get none.
func TestIndexLogMigrated(t *testing.T) { backends(t, testIndexLogMigrated) }

func testIndexLogMigrated(t *testing.T, newStore opener) {
	ctx := context.Background()
	s := newStore(t)
	l := NewList("cop@example.org", "CoP")
	must(t, s.CreateList(ctx, l))
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	// The flags, 0 to 3: waiting, indexed, to leave, left.
	var ids []int64
	for _, id := range []string{"wait@x", "in@x", "leaving@x", "left@x"} {
		p, raw := tpost{id: id}.archived(l.ID, start)
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		ids = append(ids, p.ID)
	}
	// Back to before 0017 (and 0020, which adds to its log), with the flags set.
	for _, q := range []string{
		`DROP TABLE index_log`, `DROP TABLE index_clock`, `DELETE FROM schema_migrations WHERE version IN (17, 20)`,
		`ALTER TABLE archive ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX archive_unindexed ON archive (indexed, id)`,
	} {
		_, err := s.db.ExecContext(ctx, q)
		must(t, err)
	}
	for flag, id := range ids {
		_, err := s.db.ExecContext(ctx, `UPDATE archive SET indexed = ? WHERE id = ?`, flag, id)
		must(t, err)
	}
	s.Close()
	s = newStore(t)
	read := func(after IndexPos) (out []int64) {
		cs, err := s.IndexChanges(ctx, after, 10)
		must(t, err)
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	older := IndexPos{Pos: 1, ArchiveID: math.MaxInt64}
	// In the log's order: position, then id.
	all, want := []int64{ids[1], ids[0], ids[2]}, []int64{ids[0], ids[2]}
	if s.pg {
		all, want = ids[:3], ids[:3]
	}
	if got := read(IndexPos{}); !slices.Equal(got, all) {
		t.Errorf("a new index reads %v, want %v", got, all)
	}
	if got := read(older); !slices.Equal(got, want) {
		t.Errorf("an index from before the log reads %v, want %v", got, want)
	}
	// Changes made now come after them.
	p, raw := tpost{id: "new@x"}.archived(l.ID, start)
	_, err := s.ArchivePut(ctx, p, raw)
	must(t, err)
	if got := read(older); len(got) != len(want)+1 || got[len(got)-1] != p.ID {
		t.Errorf("after a new post, an index from before the log reads %v", got)
	}
}
