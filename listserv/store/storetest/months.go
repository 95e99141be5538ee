package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"praxis/listserv/store"
)

// archiveByMonth: threads counted by the month they were started (UTC,
// a post at 23:30 on the last day of a month in its month), listed by
// month in the order started, and each thread's neighbours in that order.
func archiveByMonth(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "months@example.org")
	other := newList(t, s, "elsewhere@example.org")
	put := func(l *store.List, id string, refs []string, date time.Time) *store.ArchivedPost {
		t.Helper()
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: a@example.net\r\nSubject: " + id + "\r\n\r\n" + id + "\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: id, NormSubject: id, FromAddr: "a@example.net", Date: date, Refs: refs, IsReply: len(refs) > 0}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		return p
	}
	mar31 := time.Date(2021, 3, 31, 23, 30, 0, 0, time.UTC)
	a := put(l, "a@x", nil, mar31)
	put(l, "a-reply@x", []string{"a@x"}, mar31.Add(2*time.Hour)) // in April, the thread still March's
	b := put(l, "b@x", nil, time.Date(2021, 4, 2, 0, 0, 0, 0, time.UTC))
	c := put(l, "c@x", nil, time.Date(2021, 4, 20, 0, 0, 0, 0, time.UTC))
	d := put(l, "d@x", nil, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	put(other, "o@x", nil, time.Date(2021, 4, 3, 0, 0, 0, 0, time.UTC))

	months, err := s.ArchiveMonths(ctx, l.ID)
	must(t, err)
	want := []store.MonthCount{{Month: "2021-03", Threads: 1}, {Month: "2021-04", Threads: 2}, {Month: "2022-01", Threads: 1}}
	if !slices.Equal(months, want) {
		t.Errorf("ArchiveMonths = %v, want %v", months, want)
	}
	april, err := s.ArchiveThreadsStarted(ctx, l.ID, time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC), 10)
	must(t, err)
	if got := threadIDs(april); !slices.Equal(got, []string{b.ThreadID, c.ThreadID}) {
		t.Errorf("April's threads: %v, want b, c", got)
	}
	for _, tt := range []struct {
		of         *store.ArchivedPost
		prev, next *store.ArchivedPost
	}{{a, nil, b}, {b, a, c}, {d, c, nil}} {
		prev, next, err := s.ArchiveThreadNeighbours(ctx, l.ID, tt.of.ThreadID)
		must(t, err)
		id := func(ts *store.ThreadSummary) string {
			if ts == nil {
				return ""
			}
			return ts.ThreadID
		}
		pid := func(p *store.ArchivedPost) string {
			if p == nil {
				return ""
			}
			return p.ThreadID
		}
		if id(prev) != pid(tt.prev) || id(next) != pid(tt.next) {
			t.Errorf("neighbours of %s: %q, %q; want %q, %q", tt.of.MessageID, id(prev), id(next), pid(tt.prev), pid(tt.next))
		}
	}
}
