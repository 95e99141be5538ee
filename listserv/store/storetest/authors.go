package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"praxis/listserv/store"
)

// archiveAuthorsFirst: every From (address and name) of a list's posts
// before a date, with the date of its first post, oldest first; one
// address under two names is two Froms, and a name that sorts after
// another of the same address (or an address after a prefix of it) is
// found as well; another list's posts, those from the date on and a
// removed post do not count.
func archiveAuthorsFirst(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "authors@example.org")
	other := newList(t, s, "authors-other@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	n := 0
	put := func(l *store.List, from, name string, date time.Time) string {
		t.Helper()
		n++
		id := fmt.Sprintf("a%d@x", n)
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: " + from + "\r\nSubject: s\r\n\r\nbody\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: from, FromName: name, Date: date}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		return id
	}
	// Many posts of one From, in no order of date: its first is the
	// earliest.
	for i := 9; i >= 0; i-- {
		put(l, "ann@example.net", "Ann", d0.Add(time.Duration(i)*time.Hour))
	}
	put(l, "ann@example.net", "Ann Smith", d0.Add(30*time.Hour))
	put(l, "ann@example.net", "", d0.Add(31*time.Hour))
	put(l, "ann@example.netz", "Ann", d0.Add(-2*time.Hour))
	put(l, "bob@example.com", "Bob", d0.Add(5*time.Hour))
	removed := put(l, "carol@example.com", "Carol", d0.Add(-48*time.Hour))
	put(l, "carol@example.com", "Carol", d0.Add(40*time.Hour))
	put(l, "late@example.com", "Late", d0.Add(100*time.Hour))
	put(other, "dave@example.com", "Dave", d0)
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: removed, By: "test"}); err != nil || n != 1 {
		t.Fatalf("ArchiveRemove: %d %v", n, err)
	}

	got, err := s.ArchiveAuthors(ctx, l.ID, d0.Add(99*time.Hour))
	must(t, err)
	want := []store.ArchiveAuthor{
		{Addr: "ann@example.netz", Name: "Ann", First: d0.Add(-2 * time.Hour)},
		{Addr: "ann@example.net", Name: "Ann", First: d0},
		{Addr: "bob@example.com", Name: "Bob", First: d0.Add(5 * time.Hour)},
		{Addr: "ann@example.net", Name: "Ann Smith", First: d0.Add(30 * time.Hour)},
		{Addr: "ann@example.net", Name: "", First: d0.Add(31 * time.Hour)},
		{Addr: "carol@example.com", Name: "Carol", First: d0.Add(40 * time.Hour)},
	}
	if !slices.EqualFunc(got, want, func(a, b store.ArchiveAuthor) bool {
		return a.Addr == b.Addr && a.Name == b.Name && a.First.Equal(b.First)
	}) {
		t.Errorf("ArchiveAuthors:\n got %+v\nwant %+v", got, want)
	}
	got, err = s.ArchiveAuthors(ctx, l.ID, d0)
	must(t, err)
	if len(got) != 1 || got[0].Addr != "ann@example.netz" {
		t.Errorf("ArchiveAuthors before the first day: %+v, want the one From whose first post came before", got)
	}
	got, err = s.ArchiveAuthors(ctx, 1<<40, d0.Add(99*time.Hour))
	must(t, err)
	if len(got) != 0 {
		t.Errorf("ArchiveAuthors of no list: %+v", got)
	}
}
