package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestArchiveWindowReads: what a summary reads of a big archive besides
// its week, the same on both engines: each From's first post, the posts
// of some threads before a date, and the date of the n-th newest post
// before a date; another list's posts never count.
func TestArchiveWindowReads(t *testing.T) { backends(t, testArchiveWindowReads) }

func testArchiveWindowReads(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	other := newThreadList(t, s, "other@example.org")
	ctx := context.Background()
	start := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)
	put := func(listID int64, p tpost, from, name string) {
		t.Helper()
		a, raw := p.archived(listID, start)
		a.FromAddr, a.FromName = from, name
		if _, err := s.ArchivePut(ctx, a, raw); err != nil {
			t.Fatal(err)
		}
	}
	put(l.ID, tpost{id: "q1@x", day: 0}, "ann@x.org", "Ann")
	put(l.ID, tpost{id: "r1@x", refs: []string{"q1@x"}, subject: "Re: about q1@x", day: 2}, "bob@x.org", "Bob")
	put(l.ID, tpost{id: "q2@x", day: 3}, "ann@x.org", "Ann B.")
	put(l.ID, tpost{id: "r2@x", refs: []string{"q1@x"}, subject: "Re: about q1@x", day: 10}, "ann@x.org", "Ann")
	put(l.ID, tpost{id: "late@x", day: 20}, "carl@x.org", "Carl")
	put(other.ID, tpost{id: "elsewhere@x", day: 1}, "dan@x.org", "Dan")

	authors, err := s.ArchiveAuthors(ctx, l.ID, start.AddDate(0, 0, 15))
	must(t, err)
	var got []string
	for _, a := range authors {
		got = append(got, fmt.Sprintf("%s/%s/%d", a.Addr, a.Name, int(a.First.Sub(start).Hours()/24)))
	}
	if g, want := strings.Join(got, " "), "ann@x.org/Ann/0 bob@x.org/Bob/2 ann@x.org/Ann B./3"; g != want {
		t.Errorf("authors before day 15: %s, want %s", g, want)
	}

	q1, err := s.ArchiveByMessageID(ctx, l.ID, "q1@x")
	must(t, err)
	posts, err := s.ArchiveThreadPosts(ctx, l.ID, []string{q1[0].ThreadID, "no-such-thread"}, start.AddDate(0, 0, 10))
	must(t, err)
	got = nil
	for _, p := range posts {
		got = append(got, p.MessageID)
	}
	if g, want := strings.Join(got, " "), "q1@x r1@x"; g != want {
		t.Errorf("thread posts before day 10: %s, want %s", g, want)
	}
	if posts, err := s.ArchiveThreadPosts(ctx, l.ID, nil, start.AddDate(1, 0, 0)); err != nil || len(posts) != 0 {
		t.Errorf("posts of no threads: %v %v", posts, err)
	}

	for _, tc := range []struct {
		before, n int
		day       int
		ok        bool
	}{
		{15, 1, 10, true}, {15, 2, 3, true}, {15, 4, 0, true}, {15, 5, 0, false}, {3, 2, 0, true}, {0, 1, 0, false},
	} {
		d, ok, err := s.ArchiveNewestDate(ctx, l.ID, start.AddDate(0, 0, tc.before), tc.n)
		must(t, err)
		if ok != tc.ok || (ok && !d.Equal(start.AddDate(0, 0, tc.day))) {
			t.Errorf("the %d. newest before day %d: %v %v, want day %d %v", tc.n, tc.before, d, ok, tc.day, tc.ok)
		}
	}

	// Only a thread started before the date has posts before it: read
	// from the threads started before it when they are no more than those
	// asked for, else looked up; either way the same posts.
	q2, err := s.ArchiveByMessageID(ctx, l.ID, "q2@x")
	must(t, err)
	threadPosts := func(ids []string, day int) string {
		t.Helper()
		posts, err := s.ArchiveThreadPosts(ctx, l.ID, ids, start.AddDate(0, 0, day))
		must(t, err)
		var got []string
		for _, p := range posts {
			got = append(got, p.MessageID)
		}
		return strings.Join(got, " ")
	}
	for _, tc := range []struct {
		ids  []string
		day  int
		want string
	}{
		{[]string{q1[0].ThreadID}, 10, "q1@x r1@x"},                      // two started before day 10, one asked
		{[]string{q1[0].ThreadID, q2[0].ThreadID}, 10, "q1@x r1@x q2@x"}, // both
		{[]string{q1[0].ThreadID, q2[0].ThreadID}, 0, ""},                // none started before day 0
		{[]string{q2[0].ThreadID}, 3, ""},                                // q2's starts on day 3
	} {
		if got := threadPosts(tc.ids, tc.day); got != tc.want {
			t.Errorf("thread posts of %v before day %d: %q, want %q", tc.ids, tc.day, got, tc.want)
		}
	}
	// A reply archived late, dated before its thread's first post, starts
	// the thread earlier.
	put(l.ID, tpost{id: "early@x", refs: []string{"q2@x"}, subject: "Re: about q2@x", day: 1}, "eve@x.org", "Eve")
	if got, want := threadPosts([]string{q2[0].ThreadID}, 3), "early@x"; got != want {
		t.Errorf("thread posts of q2's before day 3, with a reply dated day 1: %q, want %q", got, want)
	}
	if got, want := threadPosts([]string{q2[0].ThreadID, q1[0].ThreadID}, 2), "q1@x early@x"; got != want {
		t.Errorf("thread posts before day 2: %q, want %q", got, want)
	}
}
