package storetest

import (
	"context"
	"math"
	"testing"
	"time"

	"praxis/listserv/store"
)

// imapRemovals: what the IMAP view reads of removals. IMAPCountAt's
// count and position agree; IMAPRemovals returns the removals after a
// position in the log's order, each with the list's posts below it and
// left, and the position up to which it read; a position past the end
// reads the position alone. UIDNEXT counts removed posts, so removing
// the newest does not lower it, and a post archived after it gets a
// higher UID.
func imapRemovals(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "rmimap@example.org")
	other := newList(t, s, "other@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	put := func(l *store.List, id string) *store.ArchivedPost {
		t.Helper()
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: "a@example.net", Date: d0}
		_, err := s.ArchivePut(ctx, p, []byte("Message-ID: <"+id+">\r\nSubject: s\r\n\r\n"+id+"\r\n"))
		must(t, err)
		return p
	}
	remove := func(l *store.List, id string) {
		t.Helper()
		if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: id, By: "test"}); n != 1 || err != nil {
			t.Fatalf("ArchiveRemove %s: %d, %v", id, n, err)
		}
	}
	p1, p2, p3, p4 := put(l, "p1@x"), put(l, "p2@x"), put(l, "p3@x"), put(l, "p4@x")
	o1 := put(other, "o1@x")

	n, at, err := s.IMAPCountAt(ctx, l.ID)
	must(t, err)
	head, rs, err := s.IMAPRemovals(ctx, store.IndexPos{Pos: math.MaxInt64})
	must(t, err)
	if n != 4 || head != at || len(rs) != 0 {
		t.Errorf("before any removal: count %d at %+v; removals %v up to %+v", n, at, rs, head)
	}
	if next, err := s.IMAPUIDNext(ctx, l.ID); next != p4.ID+1 || err != nil {
		t.Errorf("IMAPUIDNext = %d, %v; want %d", next, err, p4.ID+1)
	}

	remove(l, "p2@x")
	remove(l, "p4@x") // the newest
	remove(other, "o1@x")
	head2, rs, err := s.IMAPRemovals(ctx, at)
	must(t, err)
	want := []store.IMAPRemoval{{ListID: l.ID, ID: p2.ID, Before: 1, Left: 2}, {ListID: l.ID, ID: p4.ID, Before: 2, Left: 2}, {ListID: other.ID, ID: o1.ID, Before: 0, Left: 0}}
	if len(rs) != len(want) {
		t.Fatalf("IMAPRemovals after the removals: %+v, want %+v", rs, want)
	}
	for i, r := range rs {
		w := want[i]
		if r.ListID != w.ListID || r.ID != w.ID || r.Before != w.Before || r.Left != w.Left || r.Pos.ArchiveID != r.ID || !at.Less(r.Pos) || head2.Less(r.Pos) {
			t.Errorf("removal %d: %+v, want %+v between %+v and %+v", i, r, w, at, head2)
		}
		if i > 0 && !rs[i-1].Pos.Less(r.Pos) {
			t.Errorf("removals out of the log's order: %+v before %+v", rs[i-1].Pos, r.Pos)
		}
	}
	if n, at2, err := s.IMAPCountAt(ctx, l.ID); n != 2 || at2 != head2 || err != nil {
		t.Errorf("IMAPCountAt after the removals: %d at %+v (%v), want 2 at %+v", n, at2, err, head2)
	}
	if next, err := s.IMAPUIDNext(ctx, l.ID); next != p4.ID+1 || err != nil {
		t.Errorf("IMAPUIDNext after the newest was removed: %d, %v; want %d", next, err, p4.ID+1)
	}
	if again, rs, err := s.IMAPRemovals(ctx, head2); again != head2 || len(rs) != 0 || err != nil {
		t.Errorf("IMAPRemovals at the end: %+v up to %+v (%v)", rs, again, err)
	}

	p5 := put(l, "p5@x")
	if p5.ID <= p4.ID {
		t.Errorf("a post after the removed newest got id %d, not past %d", p5.ID, p4.ID)
	}
	head3, rs, err := s.IMAPRemovals(ctx, head2)
	must(t, err)
	if !head2.Less(head3) || len(rs) != 0 {
		t.Errorf("after a new post: %+v up to %+v, want none up to past %+v", rs, head3, head2)
	}
	if ids, err := s.IMAPIDs(ctx, l.ID, 0, math.MaxInt64, 10); err != nil || len(ids) != 3 || ids[0] != p1.ID || ids[1] != p3.ID || ids[2] != p5.ID {
		t.Errorf("IMAPIDs after the removals: %v %v", ids, err)
	}
}
