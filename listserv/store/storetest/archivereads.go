package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"praxis/listserv/store"
)

// archiveReads holds every read of the archive the web, the digests and
// the summaries make to one small archive: two threads on one list, a
// post on another, a link and a file; and the listing of lists in byte
// order, and a spooled message's listing and transform.
func archiveReads(t *testing.T, s store.Backend) {
	ctx := context.Background()
	// "eb" sorts before "éa" byte by byte, as SQLite sorts text; a
	// language's collation puts é with e, and so "éa" first.
	l := newList(t, s, "eb@example.org")
	other := newList(t, s, "éa@example.org")
	lists, err := s.Lists(ctx)
	must(t, err)
	if len(lists) != 2 || lists[0].Address != "eb@example.org" || lists[1].Address != "éa@example.org" {
		t.Errorf("Lists: %v, want eb@ then éa@ (byte order)", listAddresses(lists))
	}

	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) // a Monday
	put := func(l *store.List, id, subject, from, name string, refs []string, date time.Time, files ...string) *store.ArchivedPost {
		t.Helper()
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: " + from + "\r\nSubject: " + subject + "\r\n\r\n" + subject + "\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: subject, NormSubject: subject, FromAddr: from, FromName: name,
			Date: date, Refs: refs, IsReply: len(refs) > 0, Attachments: files}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		return p
	}
	arrived := time.Now()
	root := put(l, "root@x", "Hello", "alice@example.net", "Alice", nil, d0, "Notes.PDF")
	r1 := put(l, "r1@x", "Re: Hello", "bob@example.com", "Bob", []string{"root@x"}, d0.Add(time.Hour))
	r2 := put(l, "r2@x", "Re: Hello", "carol@example.com", "Carol", []string{"r1@x", "root@x"}, d0.Add(2*time.Hour))
	solo := put(l, "other@x", "Other", "bob@example.com", "Bob", nil, d0.Add(24*time.Hour))
	put(other, "elsewhere@x", "Elsewhere", "dave@example.com", "", nil, d0)
	week := []*store.ArchivedPost{root, r1, r2, solo}

	threads, err := s.ArchiveThreads(ctx, l.ID, store.ThreadCursor{}, 10)
	must(t, err)
	if len(threads) != 2 || threads[0].ThreadID != solo.ThreadID || threads[1].ThreadID != root.ThreadID {
		t.Fatalf("ArchiveThreads: %v, want the newest thread first", threadIDs(threads))
	}
	if th := threads[1]; th.Posts != 3 || th.RootID != root.ID || th.Subject != "Hello" || !th.FirstDate.Equal(d0) || !th.LastDate.Equal(d0.Add(2*time.Hour)) {
		t.Errorf("thread summary %+v", th)
	}
	next, err := s.ArchiveThreads(ctx, l.ID, store.ThreadCursor{LastDate: threads[0].LastDate, ThreadID: threads[0].ThreadID}, 10)
	must(t, err)
	if len(next) != 1 || next[0].ThreadID != root.ThreadID {
		t.Errorf("the page after the first thread: %v", threadIDs(next))
	}
	sum, err := s.ArchiveThreadSummary(ctx, l.ID, root.ThreadID)
	must(t, err)
	if *sum != *threads[1] {
		t.Errorf("ArchiveThreadSummary %+v, want %+v", sum, threads[1])
	}
	active, err := s.ArchiveActiveThreads(ctx, l.ID, d0.Add(-time.Hour), d0.Add(48*time.Hour), 10)
	must(t, err)
	if len(active) != 2 || active[0].ThreadID != root.ThreadID || active[0].Posts != 3 || active[1].Posts != 1 {
		t.Errorf("ArchiveActiveThreads: %v", active)
	}
	helpers, err := s.ArchiveHelpers(ctx, l.ID, d0.Add(-time.Hour), d0.Add(48*time.Hour), 10)
	must(t, err)
	want := []store.Helper{{Address: "bob@example.com", Name: "Bob", Threads: 1, Replies: 1}, {Address: "carol@example.com", Name: "Carol", Threads: 1, Replies: 1}}
	if !slices.Equal(helpers, want) {
		t.Errorf("ArchiveHelpers: %+v, want %+v", helpers, want)
	}
	authors, err := s.ArchiveThreadAuthors(ctx, l.ID, []string{root.ThreadID, solo.ThreadID})
	must(t, err)
	if authors[root.ThreadID] != 3 || authors[solo.ThreadID] != 1 {
		t.Errorf("ArchiveThreadAuthors: %v", authors)
	}

	monday := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	weeks, err := s.ArchiveWeekly(ctx, l.ID, d0, monday.Add(7*24*time.Hour))
	must(t, err)
	if len(weeks) != 1 || !weeks[0].Start.Equal(monday) || weeks[0].Posts != 4 {
		t.Errorf("ArchiveWeekly: %+v", weeks)
	}
	busiest, n, err := s.ArchiveBusiestWeek(ctx, l.ID)
	if err != nil || !busiest.Equal(monday) || n != 4 {
		t.Errorf("ArchiveBusiestWeek: %v %d %v", busiest, n, err)
	}
	if n, err := s.ArchiveCountBetween(ctx, l.ID, d0, d0.Add(2*time.Hour)); n != 2 || err != nil {
		t.Errorf("ArchiveCountBetween: %d %v, want 2", n, err)
	}

	// Arrival is when the store took a post (its clock), whatever Date says.
	since, until := arrived.Add(-time.Hour), arrived.Add(time.Hour)
	var size int64
	for _, p := range week {
		size += int64(p.Size)
	}
	if n, err := s.ArchiveBytesArrived(ctx, l.ID, since, until); n != size || err != nil {
		t.Errorf("ArchiveBytesArrived: %d %v, want %d", n, err, size)
	}
	if n, err := s.ArchiveCountArrived(ctx, l.ID, since, until, d0.Add(time.Hour)); n != 3 || err != nil {
		t.Errorf("ArchiveCountArrived: %d %v, want 3", n, err)
	}
	raws, err := s.ArchiveArrivedBetween(ctx, l.ID, since, until, d0.Add(time.Hour))
	must(t, err)
	if len(raws) != 3 || !bytes.Contains(raws[0], []byte("r1@x")) || !bytes.Contains(raws[2], []byte("other@x")) {
		t.Errorf("ArchiveArrivedBetween: %d posts", len(raws))
	}

	latest, err := s.ArchiveLatest(ctx, l.ID, 2)
	must(t, err)
	if got := postIDs(latest); !slices.Equal(got, []int64{solo.ID, r2.ID}) {
		t.Errorf("ArchiveLatest: %v, want %v", got, []int64{solo.ID, r2.ID})
	}
	var each []int64
	must(t, s.ArchiveEach(ctx, l.ID, d0.Add(30*time.Minute), func(p *store.ArchivedPost) error {
		each = append(each, p.ID)
		return nil
	}))
	if !slices.Equal(each, []int64{r1.ID, r2.ID, solo.ID}) {
		t.Errorf("ArchiveEach: %v", each)
	}
	between := func(since, before time.Time) []int64 {
		var ids []int64
		must(t, s.ArchiveBetween(ctx, l.ID, since, before, func(p *store.ArchivedPost) error {
			ids = append(ids, p.ID)
			return nil
		}))
		return ids
	}
	for _, c := range []struct {
		since, before time.Time
		want          []int64
	}{
		{d0.Add(time.Hour), d0.Add(24 * time.Hour), []int64{r1.ID, r2.ID}}, // since in, before out
		{d0.Add(3 * time.Hour), d0.Add(23 * time.Hour), nil},               // a span with no posts
		{d0.Add(24 * time.Hour), d0.Add(24 * time.Hour), nil},              // empty
		{d0.Add(25 * time.Hour), d0, nil},                                  // backwards
		{d0.Add(-time.Hour), d0.Add(48 * time.Hour), []int64{root.ID, r1.ID, r2.ID, solo.ID}},
		{d0, d0.Add(time.Hour + time.Second/2), []int64{root.ID, r1.ID}}, // r1 is dated before the end's fraction
		{d0.Add(time.Hour), d0.Add(time.Hour + time.Second/2), []int64{r1.ID}},
	} {
		if got := between(c.since, c.before); !slices.Equal(got, c.want) {
			t.Errorf("ArchiveBetween(%v, %v) = %v, want %v", c.since, c.before, got, c.want)
		}
	}
	if p, err := s.ArchiveByID(ctx, root.ID); err != nil || p.MessageID != "root@x" || !slices.Equal(p.Attachments, []string{"Notes.PDF"}) {
		t.Errorf("ArchiveByID: %+v %v", p, err)
	}
	if ps, err := s.ArchiveByMessageID(ctx, l.ID, "r1@x"); err != nil || len(ps) != 1 || ps[0].ID != r1.ID {
		t.Errorf("ArchiveByMessageID: %v %v", ps, err)
	}

	// A link, found by the indexer; a file, from the post.
	// Every node's indexer finds it: the second time is nothing new.
	link := []store.Link{{ArchiveID: r1.ID, ListID: l.ID, URL: "https://Example.org/Guide", Date: r1.Date}}
	// A post read again by other rules keeps only what they find.
	must(t, s.PutLinks(ctx, []int64{r1.ID}, []store.Link{{ArchiveID: r1.ID, ListID: l.ID, URL: "https://example.org/stale-log-line", Date: r1.Date}}))
	must(t, s.PutLinks(ctx, []int64{r1.ID}, link))
	must(t, s.PutLinks(ctx, []int64{r1.ID, r1.ID}, append(link, link...)))
	res, err := s.ArchiveResources(ctx, l.ID, "", 0, 10)
	must(t, err)
	if len(res) != 2 || res[0].Kind != "link" || res[0].ArchiveID != r1.ID || res[1].Kind != "file" || res[1].Value != "Notes.PDF" || res[1].FromName != "Alice" {
		t.Errorf("ArchiveResources: %+v", res)
	}
	for q, kind := range map[string]string{"notes": "file", "GUIDE": "link"} {
		if res, err := s.ArchiveResources(ctx, l.ID, q, 0, 10); err != nil || len(res) != 1 || res[0].Kind != kind {
			t.Errorf("ArchiveResources %q: %+v %v, want one %s", q, res, err, kind)
		}
	}
	if res, err := s.ArchiveResources(ctx, l.ID, "", 1, 10); err != nil || len(res) != 1 || res[0].Kind != "file" {
		t.Errorf("ArchiveResources from offset 1: %+v %v", res, err)
	}

	m := post(l, "spooled")
	must(t, s.Spool(ctx, m))
	must(t, s.SetTransform(ctx, m.ID, "munge"))
	ms, err := s.ListMessages(ctx, l.ID, store.StateReceived)
	must(t, err)
	if len(ms) != 1 || ms[0].ID != m.ID || ms[0].Raw != nil || ms[0].Transform != "munge" {
		t.Errorf("ListMessages: %+v", ms)
	}
}

func listAddresses(ls []*store.List) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Address)
	}
	return out
}

func threadIDs(ts []*store.ThreadSummary) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ThreadID)
	}
	return out
}

func postIDs(ps []*store.ArchivedPost) []int64 {
	var out []int64
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}
