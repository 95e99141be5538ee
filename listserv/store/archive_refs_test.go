package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A post naming 200,000 references (the attack sent 1.4 million) is
// threaded by a bounded number of them: the rows written for it, and so
// the queries run for it inside the write transaction, do not grow with
// the field. It still joins its parent's thread, under its parent.
func TestArchiveHugeReferencesBounded(t *testing.T) { backends(t, testArchiveHugeReferencesBounded) }

func testArchiveHugeReferencesBounded(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	ctx := context.Background()
	start := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)

	root, raw := tpost{id: "root@x"}.archived(l.ID, start)
	if _, err := s.ArchivePut(ctx, root, raw); err != nil {
		t.Fatal(err)
	}
	parent, raw := tpost{id: "parent@x", refs: []string{"root@x"}}.archived(l.ID, start)
	if _, err := s.ArchivePut(ctx, parent, raw); err != nil {
		t.Fatal(err)
	}

	// Closest first: the parent, 199,998 ghosts, the root last.
	refs := []string{"parent@x"}
	for i := range 199998 {
		refs = append(refs, fmt.Sprintf("ghost%d@x", i))
	}
	refs = append(refs, "root@x")
	huge, raw := tpost{id: "huge@x", refs: refs, subject: "Re: about root@x", day: 1}.archived(l.ID, start)
	if _, err := s.ArchivePut(ctx, huge, raw); err != nil {
		t.Fatal(err)
	}

	var stored int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive_refs WHERE archive_id = ?`, huge.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored > MaxRefs || len(huge.Refs) > MaxRefs {
		t.Errorf("stored %d references, threaded by %d; want at most %d", stored, len(huge.Refs), MaxRefs)
	}
	if huge.ParentID != "parent@x" || huge.ThreadID != parent.ThreadID || huge.ThreadID != "root@x" {
		t.Errorf("parent %q thread %q, want parent@x in root@x", huge.ParentID, huge.ThreadID)
	}
	if got := huge.Refs[len(huge.Refs)-1]; got != "root@x" {
		t.Errorf("last reference %q, want the root kept", got)
	}
}

func TestBoundRefs(t *testing.T) {
	long := string(make([]byte, MaxRefLen+1))
	var many []string
	for i := range MaxRefs + 5 {
		many = append(many, fmt.Sprint(i))
	}
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, "[]"},
		{[]string{"a", "b"}, "[a b]"},
		{[]string{long, "a", long}, "[a]"},
		{many, "[0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 24]"},
		{append(many[:MaxRefs:MaxRefs], long), "[0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19]"},
	} {
		if got := fmt.Sprint(boundRefs(c.in)); got != c.want {
			t.Errorf("boundRefs(%d refs) = %s, want %s", len(c.in), got, c.want)
		}
	}
}
